/**
 * Re-indexing after an embedding-model change, over the in-process bus with the real FAISS store:
 * an index built with one (stand-in) embedding model is refused by a service configured with
 * another, which still starts (search answers 503 naming the re-index command, uploads fail with
 * it); `npm run ingest -- --reindex` (the CLI's reindex against the web API) sends one `reindex`
 * job, the ingest handler rebuilds every stored document into a fresh version and swaps it in,
 * and search works again with the new model.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createGuardedRetriever, openGuardedStore } from '../../src/app/guarded-store.ts';
import { reindex } from '../../src/cli/ingest-files.ts';
import { ServiceClient } from '../../src/cli/service-client.ts';
import { parseConfig } from '../../src/config.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { createDocumentService } from '../../src/documents/document-service.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { readCurrent } from '../../src/retrieval/faiss-files.ts';
import { createWebApp } from '../../src/web/app.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { FakeServices } from '../support/fake-services.ts';

const silent = pino({ level: 'silent' });
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** One "start" of the service (web + ingest worker) on `dir`, with the embedding model `modelId`. */
async function start(dir: string, modelId: string) {
  const local: Array<() => unknown> = [];
  const embedder = createFakeEmbedder({ modelId, modelName: `fake ${modelId}` });
  const chunking = { size: 200, overlap: 20, embedBatch: 4 };
  const manifest = { embedModelId: modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
  const vsDir = path.join(dir, 'vectorstore');
  const open = (d: string) => openFaissStore({ dir: d, manifest });
  const bus = createMemoryMessageBus({ logger: silent });
  local.push(() => bus.close());
  const writer = await openGuardedStore(() => open(vsDir));
  const reader = await openGuardedStore(() => open(vsDir));
  local.push(() => writer.close(), () => reader.close());
  await bus.subscribe(EXCHANGES.indexUpdates, async () => {
    await reader.reload();
  });
  const handler = createIngestHandler({ bus, embedder, store: writer, chunking, maxAttempts: 2, logger: silent, reindex: { indexDir: vsDir, openStore: open } });
  await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, maxAttempts: 2 });
  const registry = new DocumentRegistry(path.join(dir, 'documents.db'));
  local.push(() => registry.close());
  const documents = await createDocumentService({ bus, registry, uploadsDir: path.join(dir, 'uploads'), logger: silent, beforeReady: () => reader.reload() });
  local.push(() => documents.close());
  const services = new FakeServices();
  Object.assign(services, { documents, search: createGuardedRetriever(embedder, reader) });
  const app = createWebApp({ services, config: parseConfig({ DATA_DIR: path.join(dir, 'data'), VECTORSTORE_DIR: vsDir }), logger: silent });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  local.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const stop = async () => {
    for (const c of local.reverse()) await c();
    local.length = 0;
  };
  cleanup.push(stop);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upload = async (text: string, name: string) => {
    const form = new FormData();
    form.append('file', new Blob([text]), name);
    const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
    assert.equal(res.status, 202);
    return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
  };
  const settle = async (id: string) => {
    const end = Date.now() + 10_000;
    for (;;) {
      const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string; error: string | null };
      if (d.status === 'ready' || d.status === 'failed' || Date.now() > end) return d;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const search = (q: string) => fetch(`${base}/api/search?q=${encodeURIComponent(q)}&k=5`);
  return { base, writer, vsDir, upload, settle, search, stop };
}

const ALPACA = 'Alpacas graze on the high plateau. The alpaca herd moves at dawn. '.repeat(6);
const HERON = 'Herons fish in the shallow estuary. A heron waits without moving. '.repeat(6);
const OTTER = 'Otters crack shells on their bellies while floating in the kelp. '.repeat(6);

void test('an index built by another embedding model: the service starts, says a re-index is needed, and the re-index makes search work again', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-reindex-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));

  const first = await start(dir, 'fake-model-a');
  const alpaca = await first.upload(ALPACA, 'alpaca.txt');
  const heron = await first.upload(HERON, 'heron.txt');
  assert.equal((await first.settle(alpaca)).status, 'ready');
  assert.equal((await first.settle(heron)).status, 'ready');
  const before = await readCurrent(first.vsDir);
  await first.stop();

  // The same data, another embedding model: nothing crashes, everything says what to do.
  const second = await start(dir, 'fake-model-b');
  assert.match(second.writer.reindexNeeded ?? '', /fake-model-a[\s\S]*npm run ingest -- --reindex/);
  const refused = await second.search('alpaca herd');
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: string }).error, /npm run ingest -- --reindex/);
  const otter = await second.upload(OTTER, 'otter.txt');
  const failedUpload = await second.settle(otter);
  assert.equal(failedUpload.status, 'failed');
  assert.match(failedUpload.error ?? '', /--reindex/);

  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const summary = await reindex(new ServiceClient(second.base), { progress: false, out, pollMs: 10 });
  assert.deepEqual(summary.failed, []);
  assert.deepEqual([...summary.ingested].sort(), ['alpaca.txt', 'heron.txt', 'otter.txt'], 'every stored document, the failed upload included');
  assert.ok(lines.some((l) => /ready/.test(l)), lines.join(''));

  assert.equal(second.writer.reindexNeeded, null);
  const after = await readCurrent(second.vsDir);
  assert.notEqual(after, before, 'a fresh version is live');
  const manifest = JSON.parse(await fs.readFile(path.join(second.vsDir, after!, 'manifest.json'), 'utf8')) as { embedModelId: string; documents: unknown[] };
  assert.equal(manifest.embedModelId, 'fake-model-b');
  assert.equal(manifest.documents.length, 3);
  assert.deepEqual((await fs.readdir(second.vsDir)).filter((e) => e.startsWith('.reindex-')), [], 'no staging directory left');

  const res = await second.search('alpaca herd plateau');
  assert.equal(res.status, 200);
  const hits = ((await res.json()) as { results: Array<{ documentId: string }> }).results;
  assert.equal(hits[0]?.documentId, alpaca);
});

void test('a re-index leaves out a document whose stored upload is gone, with the reason, and keeps the rest', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-reindex-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const svc = await start(dir, 'fake-model-a');
  const alpaca = await svc.upload(ALPACA, 'alpaca.txt');
  const heron = await svc.upload(HERON, 'heron.txt');
  await svc.settle(alpaca);
  await svc.settle(heron);
  await fs.rm(path.join(dir, 'uploads', heron));
  const summary = await reindex(new ServiceClient(svc.base), { progress: false, out: new Writable({ write: (_c, _e, cb) => cb() }), pollMs: 10 });
  assert.deepEqual(summary.ingested, ['alpaca.txt']);
  assert.equal(summary.failed.length, 1);
  assert.match(summary.failed[0]!.reason, /stored upload is missing/);
  const hits = ((await (await svc.search('heron estuary')).json()) as { results: Array<{ documentId: string }> }).results;
  assert.ok(!hits.some((h) => h.documentId === heron), 'the missing document left the index');
});
