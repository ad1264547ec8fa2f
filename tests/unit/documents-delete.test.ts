/**
 * Deleting documents end to end over the in-process bus: the web's DELETE sends a delete job
 * through `ingest.jobs`, the ingest handler compacts the FAISS store and saves a version, a second
 * store on the same directory (standing in for another process) reloads on `index.updates`, and
 * GET /api/search stops returning the document. Real FAISS store, hashing stand-in embedder.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { parseConfig } from '../../src/config.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createRetriever } from '../../src/retrieval/retriever.ts';
import { createWebApp } from '../../src/web/app.ts';
import { webDocumentService } from '../support/document-service-fixture.ts';
import { createFakeEmbedder, gatedEmbedder } from '../support/fake-embedder.ts';
import { listen, uploadText } from '../support/http-app.ts';
import { retryPolicy } from '../support/retry-policy.ts';
import { storesOver } from '../support/collection-stores.ts';

const silent = pino({ level: 'silent' });
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-delete-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const embedder = gatedEmbedder(createFakeEmbedder());
  const chunking = { size: 200, overlap: 20, embedBatch: 4 };
  const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
  const vsDir = path.join(dir, 'vectorstore');
  const bus = createMemoryMessageBus({ logger: silent });
  cleanup.push(() => bus.close());
  // The ingest worker's store, and the web's: separate instances on one directory, as in two processes.
  const writer = await openFaissStore({ dir: vsDir, manifest });
  const reader = await openFaissStore({ dir: vsDir, manifest });
  cleanup.push(() => writer.close(), () => reader.close());
  await bus.subscribe(EXCHANGES.indexUpdates, async () => {
    await reader.reload();
  });
  const handler = createIngestHandler({ bus, embedder, stores: storesOver(vsDir, writer), chunking, logger: silent });
  await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, retry: retryPolicy({ maxAttempts: 2 }) });

  const { uploadsDir, documents, services } = await webDocumentService(dir, bus, reader, cleanup);
  Object.assign(services, { documents, search: createRetriever(embedder, reader) });
  const config = parseConfig({ DATA_DIR: path.join(dir, 'data'), VECTORSTORE_DIR: vsDir });
  const app = createWebApp({ services, config, logger: silent });
  const { base, close } = await listen(app);
  cleanup.push(close);
  const upload = (text: string, name: string) => uploadText(base, text, name);
  const status = async (id: string) => {
    const res = await fetch(`${base}/api/documents/${id}`);
    return res.status === 404 ? 'gone' : ((await res.json()) as { status: string }).status;
  };
  const waitFor = async (id: string, want: string) => {
    const end = Date.now() + 10_000;
    let s = await status(id);
    while (s !== want && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
      s = await status(id);
    }
    assert.equal(s, want, `document ${id.slice(0, 8)} should be ${want}`);
  };
  const searchIds = async (q: string) => {
    const res = await fetch(`${base}/api/search?q=${encodeURIComponent(q)}&k=20`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { results: Array<{ documentId: string }> }).results.map((r) => r.documentId);
  };
  const del = (id: string) => fetch(`${base}/api/documents/${id}`, { method: 'DELETE' });
  return { bus, base, embedder, writer, reader, uploadsDir, upload, status, waitFor, searchIds, del };
}

const ALPACA = 'Alpacas graze on the high plateau. The alpaca herd moves at dawn. '.repeat(8);
const HERON = 'Herons fish in the shallow estuary. A heron waits without moving. '.repeat(8);

void test('a deleted document never comes back from search, in another process\'s store too; re-uploading ingests it again', async () => {
  const t = await setup();
  const alpaca = await t.upload(ALPACA, 'alpaca.txt');
  const heron = await t.upload(HERON, 'heron.txt');
  await t.waitFor(alpaca.id, 'ready');
  await t.waitFor(heron.id, 'ready');
  assert.ok((await t.searchIds('alpaca herd plateau')).includes(alpaca.id));
  const stored = path.join(t.uploadsDir, alpaca.id);
  await fs.access(stored);

  const res = await t.del(alpaca.id);
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), { id: alpaca.id, name: 'alpaca.txt', status: 'deleting' });
  await t.waitFor(alpaca.id, 'gone');
  // Gone from the list means gone from this process's index (it reloaded before the row went).
  for (const q of ['alpaca herd plateau', 'alpacas graze', 'heron estuary']) assert.ok(!(await t.searchIds(q)).includes(alpaca.id), q);
  assert.ok((await t.searchIds('heron estuary')).includes(heron.id), 'the other document stays');
  assert.equal(t.writer.hasDocument(alpaca.id), false);
  assert.equal(t.reader.hasDocument(alpaca.id), false);
  assert.equal(t.reader.version, t.writer.version, 'the reader loaded the compacted version');
  await assert.rejects(fs.access(stored), 'the stored upload is removed');
  assert.deepEqual(await t.bus.deadLetters(QUEUES.ingestJobs, 10), []);

  const again = await t.upload(ALPACA, 'alpaca.txt');
  assert.equal(again.duplicate, false, 'not a duplicate after deletion');
  await t.waitFor(alpaca.id, 'ready');
  assert.ok((await t.searchIds('alpaca herd plateau')).includes(alpaca.id));
});

void test('deleting an unknown document is a 404; deleting twice is harmless', async () => {
  const t = await setup();
  const res = await t.del('f'.repeat(64));
  assert.equal(res.status, 404);
  assert.match(((await res.json()) as { error: string }).error, /No document/);
  const doc = await t.upload(HERON, 'heron.txt');
  await t.waitFor(doc.id, 'ready');
  const [a, b] = await Promise.all([t.del(doc.id), t.del(doc.id)]);
  assert.deepEqual([a.status, b.status], [202, 202]);
  await t.waitFor(doc.id, 'gone');
  assert.deepEqual(await t.searchIds('heron'), []);
});

void test('a delete sent while the document is still being ingested runs after that ingest, and wins', async () => {
  const t = await setup();
  t.embedder.hold();
  const doc = await t.upload(ALPACA, 'alpaca.txt');
  await t.waitFor(doc.id, 'processing');
  const res = await t.del(doc.id);
  assert.equal(res.status, 202);
  assert.equal(await t.status(doc.id), 'deleting');
  // Uploading it again while the delete is pending is refused with a reason, not queued.
  const form = new FormData();
  form.append('file', new Blob([ALPACA]), 'alpaca.txt');
  const refused = await fetch(`${t.base}/api/documents`, { method: 'POST', body: form });
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: string }).error, /being deleted/);
  t.embedder.open();
  // The ingest finishes first (its `ready` does not resurrect the row), then the delete runs.
  await t.waitFor(doc.id, 'gone');
  assert.deepEqual(await t.searchIds('alpaca herd plateau'), []);
  assert.equal(t.writer.size, 0);
  assert.equal(t.reader.size, 0);
});
