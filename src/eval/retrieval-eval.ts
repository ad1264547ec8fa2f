/**
 * The retrieval evaluation: ingests every squad-dev document through the real ingest pipeline
 * (parse -> chunk -> embed -> FAISS store and its lexical index in a temporary directory), asks
 * the picked questions, and a keyword-style set built from them (keyword-set.ts), in every search
 * mode (mode-eval.ts), and scores the ranked chunks (retrieval-metrics.ts). In-process: no broker,
 * no web, no chat model.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../contracts/ingest.ts';
import { ingestDocument } from '../ingest/pipeline.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { openFaissStore } from '../retrieval/faiss-store.ts';
import { keywordQuestions } from './keyword-set.ts';
import { createModeEval, type ModeScores } from './mode-eval.ts';
import { compactionVariants, emptyTally, tallyPromptPassages, type PromptPassageTally } from './prompt-passages.ts';
import type { RetrievalScores } from './retrieval-metrics.ts';
import { pickQuestions, type SquadSet } from './squad-set.ts';

export interface RetrievalEvalOptions {
  set: SquadSet;
  embedder: Embedder;
  chunking: { size: number; overlap: number; embedBatch: number };
  /** Ask every n-th answerable question (1 = all). */
  every: number;
  /** At most this many questions (after sampling). */
  limit: number | undefined;
  /** Similarity gap of adaptive k for the prompt-passage measure (config PROMPT_MAX_SCORE_GAP). */
  maxScoreGap: number;
  /** Called now and then with a line for the terminal. */
  onProgress?: (line: string) => void;
}

export interface RetrievalEvalResult extends RetrievalScores {
  answerableQuestions: number;
  sample: string;
  documents: number;
  chunks: number;
  /** Chunks whose text is not the file's text at their offsets (should be 0). */
  offsetMismatches: number;
  ingestSeconds: number;
  querySeconds: number;
  /** Every search mode (and diagnostic variant) on the squad-dev questions and on the keyword set. */
  modes: { squad: Record<string, ModeScores>; keywords: Record<string, ModeScores> };
  /** Keyword questions asked (keyword-set.ts), of as many picked squad questions. */
  keywordQuestions: number;
  /** What reaches the prompt at k 4 and 5, per compaction variant (prompt-passages.ts). */
  promptPassages: Record<string, Record<string, PromptPassageTally>>;
}

export async function runRetrievalEval(opts: RetrievalEvalOptions): Promise<RetrievalEvalResult> {
  const { set, embedder, chunking } = opts;
  const say = opts.onProgress ?? (() => undefined);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-eval-'));
  const store = await openFaissStore({
    dir,
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
  try {
    const fileText = new Map<string, string>();
    const t0 = performance.now();
    let chunks = 0;
    const ids: string[] = [];
    for (const [i, doc] of set.docs.entries()) {
      const storedPath = path.join(set.dir, 'docs', doc);
      const bytes = await fs.readFile(storedPath);
      fileText.set(doc, bytes.toString('utf8'));
      const job: IngestJob = {
        v: INGEST_CONTRACT_VERSION,
        id: randomUUID(),
        documentId: createHash('sha256').update(bytes).digest('hex'),
        storedPath,
        name: doc,
        mediaType: 'text/plain',
        size: bytes.length,
      };
      ids.push(job.documentId);
      const r = await ingestDocument(job, { embedder, store, chunking });
      chunks += r.chunks;
      say(`ingested ${i + 1}/${set.docs.length} ${doc}: ${r.chunks} chunks (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    const ingestSeconds = (performance.now() - t0) / 1000;

    const questions = pickQuestions(set.questions, { every: opts.every, limit: opts.limit });
    const keywords = keywordQuestions(questions, fileText);
    const all: ChunkRecord[] = ids.flatMap((id) => store.documentRows?.(id)?.chunks ?? []);
    const modeEval = createModeEval({ store, chunks: all, embedder });
    let offsetMismatches = 0;
    const checked = new Set<string>();
    const variants = compactionVariants(opts.maxScoreGap);
    const promptPassages: Record<string, Record<string, PromptPassageTally>> = {};
    for (const k of [4, 5]) promptPassages[`k${k}`] = Object.fromEntries(Object.keys(variants).map((v) => [v, emptyTally()]));
    const t1 = performance.now();
    const modes = { squad: {} as Record<string, ModeScores>, keywords: {} as Record<string, ModeScores> };
    try {
      modes.squad = await modeEval.run(questions, (q, hybrid, dense) => {
        for (const h of [...hybrid, ...dense]) {
          if (checked.has(h.chunkId)) continue;
          checked.add(h.chunkId);
          if (fileText.get(h.documentName)?.slice(h.start, h.end) !== h.text) offsetMismatches++;
        }
        // What reaches the prompt in the product's default mode (hybrid).
        for (const k of [4, 5]) {
          for (const [name, settings] of Object.entries(variants)) tallyPromptPassages(promptPassages[`k${k}`]![name]!, hybrid.slice(0, k), q, settings);
        }
      }, (line) => say(`squad: ${line}`));
      modes.keywords = await modeEval.run(keywords, undefined, (line) => say(`keywords: ${line}`));
    } finally {
      modeEval.close();
    }
    const querySeconds = (performance.now() - t1) / 1000;
    const answerable = set.questions.filter((q) => !q.impossible).length;
    const picked = [opts.every > 1 ? `every ${opts.every}th answerable question` : 'the answerable questions', opts.limit === undefined ? '' : `, first ${opts.limit}`].join('');
    const sample = questions.length === answerable ? `all ${answerable} answerable questions` : `${picked} (${questions.length} of ${answerable})`;
    const hybrid = modes.squad.hybrid!;
    return {
      questions: hybrid.questions,
      hitAt1: hybrid.hitAt1,
      hitAt5: hybrid.hitAt5,
      mrrAt10: hybrid.mrrAt10,
      modes,
      keywordQuestions: keywords.length,
      answerableQuestions: answerable,
      sample,
      documents: set.docs.length,
      chunks,
      offsetMismatches,
      ingestSeconds,
      querySeconds,
      promptPassages,
    };
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
