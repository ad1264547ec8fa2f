/**
 * One side of `npm run bench:ingest`, in its own process so its peak RSS is its own: ingests the
 * given files through the whole pipeline (src/ingest/pipeline.ts: isolated parse child, chunking,
 * the real ONNX embedder, the real FAISS store with a saved version per document), with the parser
 * the ingest worker uses (a warmed spare parse child, spare-parse-child.ts; like the embedder, it is
 * warm before the clock starts; the next spare starts when the document is done, as in the worker,
 * and has finished warming before the baseline runs) and the worker's second embedder session, one
 * thread narrower, for the chunks embedded while the PDF is read (pipeline.ts), then embeds the
 * very same chunk batches with the embedder alone (recorded as the pipeline made them: same texts,
 * same batch boundaries, same order). Each file is ingested <rounds> times (the job is idempotent:
 * a round replaces the document's chunks), and pipeline and baseline alternate in ABBA order
 * (pipeline first in even rounds, baseline first in odd ones), so a drift in the shared host's speed
 * hits both alike; every round gives one paired ratio. The baseline runs alone: in the pipeline the
 * embedder shares the cores with the parse child (a PDF is parsed while it is embedded), which is
 * part of what the ratio measures.
 * Prints one JSON line on stdout.
 *
 * Usage: tsx bench/ingest-child.ts <model dir> <embed threads> <embed batch> <rounds> <file>...
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../src/contracts/ingest.ts';
import { detectMediaType } from '../src/ingest/detect-type.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { SpareParser } from '../src/ingest/spare-parse-child.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';

applyNativeThreadingDefaults();
const [modelDir, threadsArg, batchArg, roundsArg, ...files] = process.argv.slice(2);
if (!modelDir || !threadsArg || !batchArg || !roundsArg || files.length === 0) throw new Error('usage: ingest-child.ts <model dir> <threads> <batch> <rounds> <file>...');
const rounds = Math.max(1, Number(roundsArg));
const chunking = { size: 1000, overlap: 150, embedBatch: Number(batchArg) };

const embedder = await createOnnxEmbedder(modelDir, { threads: Number(threadsArg) });
/** The pipeline's embedder, recording each batch so the baseline embeds exactly the same texts. */
let batches: string[][] = [];
/** Time spent inside the embedder during the pipeline: the rest is what parsing etc. add on top. */
let embedCallsMs = 0;
/** When the current document's first embedding call began: how long the embedder sat idle first. */
let firstEmbedAt: number | null = null;
const recordingOf = (e: Embedder): Embedder => ({
  modelId: e.modelId,
  modelName: e.modelName,
  dimensions: e.dimensions,
  embedDocuments: async (texts) => {
    batches.push(texts);
    const t = performance.now();
    firstEmbedAt ??= t;
    const vectors = await e.embedDocuments(texts);
    embedCallsMs += performance.now() - t;
    return vectors;
  },
  embedQuery: (t) => e.embedQuery(t),
  close: () => Promise.resolve(),
});
const recording = recordingOf(embedder);
/** The ingest worker's second session, one thread narrower, for chunks embedded while the PDF is read. */
const narrow = Number(threadsArg) > 1 ? await createOnnxEmbedder(modelDir, { threads: Number(threadsArg) - 1 }) : null;
const whileParsing = narrow ? { embedderWhileParsing: recordingOf(narrow) } : {};
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-ingest-'));
const store = await openFaissStore({
  dir,
  manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
});
const parsers = new SpareParser({ timeoutMs: 600_000 });
try {
  await embedder.embedDocuments(['warm up the session and its allocator']);
  await narrow?.embedDocuments(['warm up the session and its allocator']);
  await parsers.ready();
  /** Time from the start of a document to its first embedding call, summed over the documents. */
  let firstEmbedMs = 0;
  let pipelineMs = 0;
  let rawMs = 0;
  let pages = 0;
  let chunks = 0;
  let maxRssKb = 0;
  /** Where the pipeline's time goes: ms per progress stage (parsing includes the parse child's start). */
  const stageMs: Record<string, number> = {};
  /** raw / pipeline for every (file, round): their median is steadier than the ratio of sums. */
  const pairedRatios: number[] = [];
  for (const file of files) {
    const bytes = await fs.readFile(file);
    const job: IngestJob = {
      v: INGEST_CONTRACT_VERSION,
      id: randomUUID(),
      documentId: createHash('sha256').update(bytes).digest('hex'),
      storedPath: file,
      name: path.basename(file),
      mediaType: detectMediaType(bytes, path.basename(file)),
      size: bytes.length,
    };
    /** The pipeline's batches in the first round: what every baseline embeds. */
    let recorded: string[][] = [];
    const pipeline = async (first: boolean): Promise<number> => {
      batches = [];
      firstEmbedAt = null;
      const t = performance.now();
      let stage = 'parsing';
      let stageAt = t;
      const onProgress = (p: { stage: string }) => {
        if (p.stage === stage) return;
        const now = performance.now();
        stageMs[stage] = (stageMs[stage] ?? 0) + now - stageAt;
        [stage, stageAt] = [p.stage, now];
      };
      const r = await ingestDocument(job, { embedder: recording, ...whileParsing, store, chunking, parseTimeoutMs: 600_000, childParser: parsers.parse, afterDocument: () => parsers.replenish(), onProgress });
      const ms = performance.now() - t;
      if (firstEmbedAt !== null) firstEmbedMs += firstEmbedAt - t;
      // Peak of the ingest process itself (the parse child is a separate process), before the baseline.
      maxRssKb = Math.max(maxRssKb, process.resourceUsage().maxRSS);
      if (first) {
        recorded = batches;
        pages += r.pages ?? 0;
        chunks += r.chunks;
      }
      // The worker's next spare warms up after the document; the baseline must not share the cores with it.
      await parsers.ready();
      return ms;
    };
    const raw = async (): Promise<number> => {
      const t = performance.now();
      for (const texts of recorded) await embedder.embedDocuments(texts);
      return performance.now() - t;
    };
    for (let round = 0; round < rounds; round++) {
      let p: number;
      let b: number;
      if (round % 2 === 0) {
        p = await pipeline(round === 0);
        b = await raw();
      } else {
        b = await raw();
        p = await pipeline(false);
      }
      pipelineMs += p;
      rawMs += b;
      pairedRatios.push(b / p);
    }
  }
  const perRound = (ms: number): number => ms / rounds;
  for (const k of Object.keys(stageMs)) stageMs[k] = perRound(stageMs[k]!);
  process.stdout.write(`${JSON.stringify({ files: files.length, rounds, pages, chunks, pipelineMs: perRound(pipelineMs), rawMs: perRound(rawMs), embedCallsMs: perRound(embedCallsMs), firstEmbedMs: perRound(firstEmbedMs), pairedRatios, maxRssKb, stageMs, model: embedder.modelName })}\n`);
} finally {
  await parsers.close();
  await store.close();
  await embedder.close();
  await narrow?.close();
  await fs.rm(dir, { recursive: true, force: true });
}
