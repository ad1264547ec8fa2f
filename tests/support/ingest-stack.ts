/**
 * One "start" of the service for ingestion tests, in-process: web app + ingest handler over the
 * in-process bus, the real FAISS store in `<dir>/vectorstore`, the stand-in embedder with a chosen
 * model id (so a "model change" is a different id over the same data). The worker can be held
 * back (`worker: false`, then `startWorker()`) so jobs pile up in the queue in a known order.
 * `readerModelId` gives the web's search another model than the ingest worker's, as on a cluster
 * in the middle of a model rotation. Both stores may serve an older version after a swap, as the
 * roles' stores do (src/app/runtime.ts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createGuardedRetriever, openGuardedStore } from '../../src/retrieval/guarded-store.ts';
import { parseConfig } from '../../src/config.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { createDocumentService } from '../../src/documents/document-service.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createWebApp } from '../../src/web/app.ts';
import { createFakeEmbedder } from './fake-embedder.ts';
import { createWebPageService, type WebPageDeps } from '../../src/sources/web-page-service.ts';
import { FakeServices } from './fake-services.ts';
import { listen, uploadText } from './http-app.ts';
import { retryPolicy } from './retry-policy.ts';
import { storesOver } from './collection-stores.ts';

const silent = pino({ level: 'silent' });

export interface ApiDoc {
  id: string;
  name: string;
  status: string;
  stage: string;
  error: string | null;
}

export type IngestStack = Awaited<ReturnType<typeof startIngestStack>>;

/** Starts the stack; `stop()` closes it (call it, or pass `cleanup` to have it registered). */
export async function startIngestStack(
  dir: string,
  modelId: string,
  opts: { worker?: boolean; cleanup?: Array<() => unknown>; webPages?: Omit<WebPageDeps, 'documents' | 'sources' | 'tempDir'>; readerModelId?: string } = {},
) {
  const local: Array<() => unknown> = [];
  const chunking = { size: 200, overlap: 20, embedBatch: 4 };
  const model = (id: string) => {
    const embedder = createFakeEmbedder({ modelId: id, modelName: `fake ${id}` });
    const manifest = { embedModelId: id, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
    const open = (d: string, version?: string) => openFaissStore({ dir: d, manifest, ...(version ? { version } : {}) });
    const guarded = (d: string) => openGuardedStore(() => open(d), { dir: d, manifest, openVersion: (v) => open(d, v), log: silent });
    return { embedder, open, guarded };
  };
  const { embedder, open, guarded } = model(modelId);
  const web = opts.readerModelId === undefined ? { embedder, guarded } : model(opts.readerModelId);
  const vsDir = path.join(dir, 'vectorstore');
  const uploadsDir = path.join(dir, 'uploads');
  const bus = createMemoryMessageBus({ logger: silent });
  local.push(() => bus.close());
  const writer = await guarded(vsDir);
  const reader = await web.guarded(vsDir);
  local.push(() => writer.close(), () => reader.close());
  await bus.subscribe(EXCHANGES.indexUpdates, async () => {
    await reader.reload();
  });
  const handler = createIngestHandler({ bus, embedder, stores: storesOver(vsDir, writer, guarded), chunking, logger: silent, reindex: { openStore: (d) => open(d) } });
  const startWorker = () => bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, retry: retryPolicy({ maxAttempts: 2 }) });
  if (opts.worker !== false) await startWorker();
  const registry = new DocumentRegistry(path.join(dir, 'documents.db'));
  local.push(() => registry.close());
  const documents = await createDocumentService({ bus, registry, uploadsDir, logger: silent, beforeReady: () => reader.reload(), beforeDeleted: () => reader.reload() });
  local.push(() => documents.close());
  const services = new FakeServices();
  Object.assign(services, { documents, search: createGuardedRetriever(web.embedder, reader) });
  if (opts.webPages) Object.assign(services, { webPages: createWebPageService({ ...opts.webPages, documents, sources: registry.sources, tempDir: path.join(dir, 'tmp') }) });
  const app = createWebApp({ services, config: parseConfig({ DATA_DIR: path.join(dir, 'data'), VECTORSTORE_DIR: vsDir }), logger: silent });
  const { base, close } = await listen(app);
  local.push(close);
  const stop = async () => {
    for (const c of local.reverse()) await c();
    local.length = 0;
  };
  opts.cleanup?.push(stop);
  const upload = async (text: string | Uint8Array, name: string) => (await uploadText(base, text, name)).id;
  const get = async (id: string): Promise<ApiDoc | null> => {
    const res = await fetch(`${base}/api/documents/${id}`);
    return res.status === 404 ? null : ((await res.json()) as ApiDoc);
  };
  /** Waits until `done(doc)` (doc null: gone from the list); returns the last state seen. */
  const waitFor = async (id: string, done: (d: ApiDoc | null) => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const d = await get(id);
      if (done(d) || Date.now() > end) return d;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** Waits until the document is ready or failed. */
  const settle = async (id: string) => (await waitFor(id, (d) => d?.status === 'ready' || d?.status === 'failed'))!;
  const search = (q: string) => fetch(`${base}/api/search?q=${encodeURIComponent(q)}&k=5`);
  /** Document ids of the hits for `q`; throws unless the search answered 200. */
  const hitIds = async (q: string) => {
    const res = await search(q);
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { results: Array<{ documentId: string }> }).results.map((h) => h.documentId);
  };
  const remove = async (id: string) => assert.equal((await fetch(`${base}/api/documents/${id}`, { method: 'DELETE' })).status, 202);
  return { base, registry, documents, writer, reader, vsDir, uploadsDir, upload, get, waitFor, settle, search, hitIds, remove, startWorker, stop };
}
