/**
 * The many-small-files side of `npm run bench:ingest`, in its own process: writes <count> distinct
 * text files of 1-2 KB (small-files.ts), queues one `ingest.jobs` message per file on the
 * in-process bus and lets the ingest worker's handler (src/ingest/job-handler.ts) consume them as
 * the worker does (prefetch = twice the batch bound, single active consumer), over the real FAISS store
 * and the real ONNX embedder. A document counts when its `ready` event arrives (after the version
 * holding it is saved and announced). Then it embeds exactly the same chunk batches with the
 * embedder alone, as the baseline. Reports when each document became ready, the versions written
 * and the time spent saving them, and when each embedding call ran (the share of a stretch spent
 * inside the embedder does not move with the shared host's speed the way documents/s does). Prints one JSON line on stdout.
 *
 * Usage: tsx bench/ingest-small-child.ts <model dir> <embed threads> <embed batch> <count> <batch max> <batch window ms> <squad docs dir>
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../src/adapters/memory/message-bus.ts';
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../src/contracts/ingest.ts';
import { EXCHANGES, QUEUES } from '../src/contracts/names.ts';
import { createIngestHandler } from '../src/ingest/job-handler.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import type { VectorStore } from '../src/ports/vector-store.ts';
import { CollectionStores } from '../src/retrieval/collection-stores.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { writeSmallFiles } from './small-files.ts';

applyNativeThreadingDefaults();
const [modelDir, threadsArg, batchArg, countArg, batchMaxArg, windowArg, docsDir] = process.argv.slice(2);
if (!modelDir || !threadsArg || !batchArg || !countArg || !batchMaxArg || !windowArg || !docsDir) {
  throw new Error('usage: ingest-small-child.ts <model dir> <threads> <batch> <count> <batch max> <window ms> <squad docs dir>');
}
const count = Number(countArg);
const batchMax = Number(batchMaxArg);
const chunking = { size: 1000, overlap: 150, embedBatch: Number(batchArg) };
const silent = pino({ level: 'silent' });

const embedder = await createOnnxEmbedder(modelDir, { threads: Number(threadsArg) });
/** Every batch the pipeline embedded, so the baseline embeds exactly the same texts. */
const batches: string[][] = [];
/** When each embedding call of the pipeline began and ended (ms, performance.now()). */
const embedCalls: Array<[number, number]> = [];
const recording: Embedder = {
  modelId: embedder.modelId,
  modelName: embedder.modelName,
  dimensions: embedder.dimensions,
  embedDocuments: async (texts) => {
    batches.push(texts);
    const t = performance.now();
    const vectors = await embedder.embedDocuments(texts);
    embedCalls.push([t, performance.now()]);
    return vectors;
  },
  embedQuery: (t) => embedder.embedQuery(t),
  close: () => Promise.resolve(),
};
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-small-'));
const bus = createMemoryMessageBus({ logger: silent });
let saveMs = 0;
let saves = 0;
/** The FAISS store with its saves timed: what a version costs to write as the index grows. */
const timedSaves = (s: VectorStore): VectorStore => {
  const save = s.save.bind(s);
  s.save = async () => {
    const t = performance.now();
    const name = await save();
    saveMs += performance.now() - t;
    saves++;
    return name;
  };
  return s;
};
const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
const stores = new CollectionStores({ root: path.join(tmp, 'vectorstore'), open: async (dir) => timedSaves(await openFaissStore({ dir, manifest })) });
try {
  await fs.mkdir(path.join(tmp, 'files'));
  const files = await writeSmallFiles(path.join(tmp, 'files'), count, docsDir);
  await embedder.embedDocuments(['warm up the session and its allocator']);
  const readyAt: number[] = [];
  let failed = 0;
  let versions = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  await bus.subscribe(EXCHANGES.ingestEvents, (body) => {
    const status = (body as { status?: string }).status;
    if (status === 'ready') readyAt.push(performance.now());
    else if (status === 'failed') failed++;
    if (readyAt.length + failed === files.length) allDone();
  });
  await bus.subscribe(EXCHANGES.indexUpdates, () => void versions++);
  for (const file of files) {
    const bytes = await fs.readFile(file);
    const job: IngestJob = {
      v: INGEST_CONTRACT_VERSION,
      id: randomUUID(),
      documentId: createHash('sha256').update(bytes).digest('hex'),
      storedPath: file,
      name: path.basename(file),
      mediaType: 'text/plain',
      size: bytes.length,
    };
    await bus.send(QUEUES.ingestJobs, job);
  }
  const handler = createIngestHandler({ bus, embedder: recording, stores, chunking, logger: silent, batch: { maxDocuments: batchMax, windowMs: Number(windowArg) } });
  const start = performance.now();
  const sub = await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 2 * batchMax, singleActive: true, retry: { maxAttempts: 1, backoff: { initialMs: 0, maxMs: 0 } } });
  await done;
  const pipelineMs = performance.now() - start;
  await sub.cancel();
  const maxRssKb = process.resourceUsage().maxRSS;
  const t = performance.now();
  for (const texts of batches) await embedder.embedDocuments(texts);
  const rawMs = performance.now() - t;
  const chunks = batches.reduce((n, b) => n + b.length, 0);
  process.stdout.write(`${JSON.stringify({ files: files.length, failed, chunks, pipelineMs, rawMs, readyMs: readyAt.map((x) => Math.round(x - start)), embedCallsMs: embedCalls.map(([a, b]) => [Math.round(a - start), Math.round(b - start)]), versions, saves, saveMs, maxRssKb, model: embedder.modelName })}\n`);
} finally {
  await bus.close();
  await stores.close();
  await embedder.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
