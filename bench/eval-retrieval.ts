/**
 * `npm run eval:retrieval [-- options]`: retrieval quality of every search mode (dense, lexical,
 * hybrid, and diagnostic variants) side by side, hit@1, hit@5, MRR@10 and search latency, on the
 * squad-dev answerable questions and on keyword-style questions built from them
 * (src/eval/keyword-set.ts), through the real ingest pipeline, written to
 * bench/results/retrieval-squad-dev.json. See src/eval/retrieval-eval.ts.
 *
 * Options:
 *   --limit N         ask at most N questions (after sampling)
 *   --every N         ask every N-th answerable question (default 1: all of them)
 *   --chunk-size N    characters per chunk (default: config CHUNK_SIZE)
 *   --overlap N       chunk overlap (default: config CHUNK_OVERLAP)
 *   --model DIR       ONNX embedder directory (default: config EMBED_MODEL when it is there,
 *                     otherwise the test embedder fetched by `npm run models:test`)
 *   --set DIR         the evaluation set (default ../shared/eval/squad-dev)
 */
import fs from 'node:fs';
import path from 'node:path';
import { applyNativeThreadingDefaults, loadConfig } from '../src/config.ts';
import { runRetrievalEval } from '../src/eval/retrieval-eval.ts';
import { loadSquadSet } from '../src/eval/squad-set.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { testModels } from '../tests/support/test-models.ts';
import { round, writeResult } from './stats.ts';

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    out.set(m[1]!, value);
  }
  return out;
}

function positiveInt(args: Map<string, string>, name: string): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${raw}`);
  return n;
}

applyNativeThreadingDefaults();
const KNOWN = new Set(['limit', 'every', 'chunk-size', 'overlap', 'model', 'set']);
const args = parseArgs(process.argv.slice(2));
for (const k of args.keys()) if (!KNOWN.has(k)) throw new Error(`unknown option --${k}; known: ${[...KNOWN].map((x) => `--${x}`).join(' ')}`);
const config = loadConfig();
const chunking = {
  size: positiveInt(args, 'chunk-size') ?? config.chunking.size,
  overlap: positiveInt(args, 'overlap') ?? config.chunking.overlap,
  embedBatch: config.chunking.embedBatch,
};
if (chunking.overlap >= chunking.size) throw new Error(`--overlap (${chunking.overlap}) must be smaller than --chunk-size (${chunking.size})`);
const every = Math.max(1, positiveInt(args, 'every') ?? 1);
const limit = positiveInt(args, 'limit');
const modelDir =
  args.get('model') ?? (fs.existsSync(path.join(config.models.embed, 'model.onnx')) ? config.models.embed : testModels().embed);
const setDir = path.resolve(args.get('set') ?? '../shared/eval/squad-dev');

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const embedder = await createOnnxEmbedder(modelDir, { threads: config.models.threads });
try {
  log(`model ${embedder.modelName} (${modelDir}), chunks ${chunking.size}/${chunking.overlap}, threads ${config.models.threads}`);
  const set = await loadSquadSet(setDir);
  const r = await runRetrievalEval({ set, embedder, chunking, every, limit, maxScoreGap: config.prompt.maxScoreGap ?? 0.1, onProgress: log });
  const result = {
    benchmark: 'retrieval-squad-dev',
    at: new Date().toISOString(),
    set: 'squad-dev (SQuAD 2.0 dev, 16 articles)',
    model: { name: embedder.modelName, id: embedder.modelId, dimensions: embedder.dimensions },
    chunking: { size: chunking.size, overlap: chunking.overlap },
    index: 'FAISS IndexFlatIP (exact cosine) + SQLite FTS5 BM25 (title and section path weighted)',
    questions: r.questions,
    sample: r.sample,
    keywordQuestions: r.keywordQuestions,
    // The product's default mode (SEARCH_MODE=hybrid); every mode side by side under `modes`.
    hitAt1: round(r.hitAt1),
    hitAt5: round(r.hitAt5),
    mrrAt10: round(r.mrrAt10),
    modes: Object.fromEntries(
      Object.entries(r.modes).map(([set, byMode]) => [
        set,
        Object.fromEntries(
          Object.entries(byMode).map(([m, x]) => [m, { hitAt1: round(x.hitAt1), hitAt5: round(x.hitAt5), mrrAt10: round(x.mrrAt10), latencyMs: { p50: round(x.latencyMs.p50, 2), p95: round(x.latencyMs.p95, 2) } }]),
        ),
      ]),
    ),
    // Of the first k hits, what reaches the prompt after each compaction variant: hit (a passage
    // as shown overlaps the gold paragraph), answerShown (a gold answer is in the text shown),
    // passages and characters shown per question.
    promptPassages: Object.fromEntries(
      Object.entries(r.promptPassages).map(([k, byVariant]) => [
        k,
        Object.fromEntries(
          Object.entries(byVariant).map(([v, t]) => [
            v,
            { hit: round(t.relevant / t.questions), answerShown: round(t.answerShown / t.questions), passages: round(t.passages / t.questions, 2), chars: round(t.chars / t.questions, 0) },
          ]),
        ),
      ]),
    ),
    documents: r.documents,
    chunks: r.chunks,
    offsetMismatches: r.offsetMismatches,
    seconds: { ingest: round(r.ingestSeconds, 1), questions: round(r.querySeconds, 1), total: round((performance.now() - started) / 1000, 1) },
    threads: config.models.threads,
  };
  const file = await writeResult('retrieval-squad-dev', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
  for (const [set, byMode] of Object.entries(result.modes)) {
    process.stdout.write(`\n${set}: mode                 hit@1  hit@5  MRR@10  p50 ms  p95 ms\n`);
    for (const [m, x] of Object.entries(byMode)) process.stdout.write(`  ${m.padEnd(24)} ${x.hitAt1.toFixed(3)}  ${x.hitAt5.toFixed(3)}  ${x.mrrAt10.toFixed(3)}  ${x.latencyMs.p50.toFixed(1).padStart(6)}  ${x.latencyMs.p95.toFixed(1).padStart(6)}\n`);
  }
} finally {
  await embedder.close();
}
