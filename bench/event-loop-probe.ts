/**
 * Probe: the all-in-one wiring (web app + ingest handler over the in-process bus, one shared FAISS
 * store, the spare parse child) ingests a generated single-line text file while /healthz is polled
 * every 20 ms. Prints max/p99 /healthz latency, event-loop delay, ingest time and peak RSS.
 *   tsx bench/event-loop-probe.ts [MB] [pdf-file]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../src/adapters/memory/message-bus.ts';
import { createGuardedRetriever, openGuardedStore } from '../src/retrieval/guarded-store.ts';
import { parseConfig } from '../src/config.ts';
import { EXCHANGES, QUEUES } from '../src/contracts/names.ts';
import { createDocumentService } from '../src/documents/document-service.ts';
import { DocumentRegistry } from '../src/documents/registry.ts';
import { createIngestHandler } from '../src/ingest/job-handler.ts';
import { SpareParser } from '../src/ingest/spare-parse-child.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { createWebApp } from '../src/web/app.ts';
import { createFakeEmbedder } from '../tests/support/fake-embedder.ts';
import { FakeServices } from '../tests/support/fake-services.ts';
import { listen } from '../tests/support/http-app.ts';
import { storesOver } from '../tests/support/collection-stores.ts';

const silent = pino({ level: 'silent' });
const mb = Number(process.argv[2] ?? 20);
const pdf = process.argv[3];
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-probe-'));
const embedder = createFakeEmbedder({ modelId: 'probe' });
const chunking = { size: 1000, overlap: 150, embedBatch: 32 };
const manifest = { embedModelId: 'probe', embedModelName: 'probe', dimensions: 384, chunkSize: 1000, chunkOverlap: 150 };
const vsDir = path.join(dir, 'vectorstore');
const bus = createMemoryMessageBus({ logger: silent });
const store = await openGuardedStore(() => openFaissStore({ dir: vsDir, manifest }));
await bus.subscribe(EXCHANGES.indexUpdates, async () => void (await store.reload()));
const parsers = new SpareParser({});
const handler = createIngestHandler({ bus, embedder, stores: storesOver(vsDir, store), chunking, logger: silent, childParser: parsers.parse, afterDocument: () => parsers.replenish() });
await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, retry: { maxAttempts: 1, backoff: { initialMs: 0, maxMs: 0 } } });
const registry = new DocumentRegistry(path.join(dir, 'documents.db'));
const documents = await createDocumentService({ bus, registry, uploadsDir: path.join(dir, 'uploads'), logger: silent, beforeReady: () => store.reload() });
const services = new FakeServices();
Object.assign(services, { documents, search: createGuardedRetriever(embedder, store) });
const app = createWebApp({ services, config: parseConfig({ DATA_DIR: path.join(dir, 'data'), VECTORSTORE_DIR: vsDir }), logger: silent });
const { base, close } = await listen(app);
await parsers.ready();

let body: Blob;
let name: string;
if (pdf) {
  body = new Blob([await fs.readFile(pdf)]);
  name = path.basename(pdf);
} else {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < mb * 1e6; i++) {
    const w = `${words[i % 10]}${i % 997}`;
    parts.push(w);
    n += w.length + 1;
  }
  body = new Blob([parts.join(' ')]);
  name = 'one-line.txt';
}
global.gc?.();
const idleRss = process.memoryUsage().rss;
let peakRss = idleRss;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
// The poller runs on its own event loop (a worker thread): one on the loop under test would be
// stalled together with the server and miss the stalls it is there to see.
const poller = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const lat = []; let on = true;
   parentPort.on('message', () => { on = false; });
   (async () => {
     while (on) {
       const t = performance.now();
       await (await fetch(workerData + '/healthz')).text();
       lat.push(performance.now() - t);
       await new Promise((r) => setTimeout(r, 20));
     }
     parentPort.postMessage(lat);
   })();`,
  { eval: true, workerData: base },
);
const polled = new Promise<number[]>((resolve) => poller.once('message', resolve));
const t0 = performance.now();
const form = new FormData();
form.append('file', body, name);
const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
const id = ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
const tUp = performance.now() - t0;
let doc: { status: string; chunks: number | null; error: string | null };
for (;;) {
  doc = (await (await fetch(`${base}/api/documents/${id}`)).json()) as typeof doc;
  if (doc.status === 'ready' || doc.status === 'failed') break;
  await new Promise((r) => setTimeout(r, 50));
}
const total = performance.now() - t0;
poller.postMessage('stop');
const lat = await polled;
await poller.terminate();
h.disable();
clearInterval(rssTimer);
lat.sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
console.log(JSON.stringify({
  file: name, status: doc.status, chunks: doc.chunks, error: doc.error,
  uploadMs: Math.round(tUp), ingestMs: Math.round(total),
  healthz: { n: lat.length, max: q(1), p99: q(0.99), p50: q(0.5) },
  loopDelayMaxMs: Math.round(h.max / 1e6), loopDelayP99Ms: Math.round(h.percentile(99) / 1e6),
  idleRssMb: Math.round(idleRss / 2 ** 20), peakRssMb: Math.round(peakRss / 2 ** 20), aboveIdleMb: Math.round((peakRss - idleRss) / 2 ** 20),
}));
await close();
await parsers.close();
await documents.close();
registry.close();
await store.close();
await bus.close();
await fs.rm(dir, { recursive: true, force: true });
