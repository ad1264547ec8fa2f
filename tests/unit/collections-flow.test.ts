/**
 * Collections end to end, in-process: the web app with the real document and collection services,
 * the ingest handler over the in-process bus writing one FAISS index per collection, and the web's
 * own collection stores on the same directory (another process's view, reloaded on
 * `index.updates`). Adding a document to a second collection and moving it copy the vectors the
 * index keeps (the embedder is not called again); a re-index embeds each document once; deleting a
 * collection keeps documents that are elsewhere too and deletes the others, then removes its index
 * directory (also when the delete is tried again after failing half way); re-indexing one
 * collection re-embeds its documents and leaves every other collection's index version as it was.
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
import { createCollectionService } from '../../src/documents/collection-service.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import { createCollectionRetriever } from '../../src/retrieval/collection-retriever.ts';
import { CollectionStores, COLLECTIONS_SUBDIR } from '../../src/retrieval/collection-stores.ts';
import { readCurrent } from '../../src/retrieval/faiss-files.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createWebApp } from '../../src/web/app.ts';
import { webDocumentService } from '../support/document-service-fixture.ts';
import { createFakeEmbedder, gatedEmbedder } from '../support/fake-embedder.ts';
import { listen } from '../support/http-app.ts';
import { retryPolicy } from '../support/retry-policy.ts';

const silent = pino({ level: 'silent' });
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-collections-flow-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const embedder = gatedEmbedder(createFakeEmbedder());
  const chunking = { size: 200, overlap: 20, embedBatch: 4 };
  const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
  const vsDir = path.join(dir, 'vectorstore');
  const open = (d: string) => openFaissStore({ dir: d, manifest });
  const bus = createMemoryMessageBus({ logger: silent });
  cleanup.push(() => bus.close());
  const writer = new CollectionStores({ root: vsDir, open });
  const reader = new CollectionStores({ root: vsDir, open });
  cleanup.push(() => writer.close(), () => reader.close());
  await bus.subscribe(EXCHANGES.indexUpdates, async () => void (await reader.reload()));
  const handler = createIngestHandler({ bus, embedder, stores: writer, chunking, logger: silent, reindex: { openStore: open } });
  await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, retry: retryPolicy({ maxAttempts: 2 }) });

  const { registry, uploadsDir, documents, services } = await webDocumentService(dir, bus, reader, cleanup);
  const collections = createCollectionService({ registry, documents, bus, logger: silent });
  Object.assign(services, { documents, collections, search: createCollectionRetriever(embedder, reader) });
  const app = createWebApp({ services, config: parseConfig({ DATA_DIR: path.join(dir, 'data'), VECTORSTORE_DIR: vsDir }), logger: silent });
  const { base, close } = await listen(app);
  cleanup.push(close);

  const json = async <T>(res: Response, status: number): Promise<T> => {
    assert.equal(res.status, status, await res.clone().text());
    return (await res.json()) as T;
  };
  const upload = async (text: string, name: string, collection?: string) => {
    const form = new FormData();
    form.append('file', new Blob([text]), name);
    const q = collection === undefined ? '' : `?collection=${encodeURIComponent(collection)}`;
    return (await json<{ documents: Array<{ id: string; duplicate: boolean }> }>(await fetch(`${base}/api/documents${q}`, { method: 'POST', body: form }), 202)).documents[0]!;
  };
  const post = (p: string, body: unknown) => fetch(base + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** "document name @ collection name" of the hits for `q` in `collections` (all when empty). */
  const hits = async (q: string, collections: string[] = []) => {
    const c = collections.length > 0 ? `&collections=${encodeURIComponent(collections.join(','))}` : '';
    const body = await json<{ results: Array<{ documentName: string; collection: { name: string } }> }>(await fetch(`${base}/api/search?q=${encodeURIComponent(q)}&k=20${c}`), 200);
    return [...new Set(body.results.map((r) => `${r.documentName} @ ${r.collection.name}`))].sort();
  };
  /** Polls until `check` passes (the worker applies jobs in the background). */
  const eventually = async (check: () => Promise<void>) => {
    const end = Date.now() + 10_000;
    for (;;) {
      try {
        return await check();
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  /** chunk id -> score of the hits for `q` in one collection. */
  const scores = async (q: string, collection: string) => {
    const body = await json<{ results: Array<{ chunkId: string; score: number }> }>(await fetch(`${base}/api/search?q=${encodeURIComponent(q)}&k=20&collections=${encodeURIComponent(collection)}`), 200);
    return new Map(body.results.map((r) => [r.chunkId, Math.round(r.score * 1e5) / 1e5]));
  };
  const doc = (id: string) => fetch(`${base}/api/documents/${id}`);
  const dirOf = (id: string) => path.join(vsDir, COLLECTIONS_SUBDIR, id);
  /** Resolves once the collection's index directory is gone. */
  const dirGone = (id: string) => eventually(() => assert.rejects(fs.access(dirOf(id)), { code: 'ENOENT' }));
  return { base, bus, reader, embedder, vsDir, uploadsDir, upload, post, hits, scores, eventually, json, doc, dirOf, dirGone };
}

const ALPACA = 'Alpacas graze on the high plateau. The alpaca herd moves at dawn. '.repeat(8);
const HERON = 'Herons fish in the shallow estuary. A heron waits without moving. '.repeat(8);

void test('a document in two collections is embedded once; a move copies its vectors; deleting a collection keeps what is elsewhere', async () => {
  const t = await setup();
  const alpaca = await t.upload(ALPACA, 'alpaca.txt');
  await t.eventually(async () => assert.deepEqual(await t.hits('alpaca herd'), ['alpaca.txt @ General']));
  const embedded = t.embedder.batches.length;
  assert.ok(embedded > 0);

  const research = await t.json<{ id: string; name: string }>(await t.post('/api/collections', { name: 'Research', description: 'Field studies' }), 201);
  // The same content into a second collection: not stored or embedded again, its vectors copied.
  const again = await t.upload(ALPACA, 'alpaca copy.txt', 'research');
  assert.deepEqual(again, { id: alpaca.id, name: 'alpaca.txt', status: 'ready', duplicate: true });
  await t.eventually(async () => assert.deepEqual(await t.hits('alpaca herd', ['Research']), ['alpaca.txt @ Research']));
  // Searching every collection lists the passage once: the copy in Research is a duplicate of it.
  assert.deepEqual(await t.hits('alpaca herd'), ['alpaca.txt @ General']);
  assert.equal(t.embedder.batches.length, embedded, 'adding to a collection embeds nothing');
  // The very vectors were copied: every passage scores the same in both collections.
  assert.deepEqual(await t.scores('alpaca herd at dawn', 'Research'), await t.scores('alpaca herd at dawn', 'General'));
  assert.deepEqual((await t.json<{ collections: string[] }>(await t.doc(alpaca.id), 200)).collections, ['general', research.id]);

  const heron = await t.upload(HERON, 'heron.txt', research.id);
  await t.eventually(async () => assert.deepEqual(await t.hits('heron estuary', ['Research']), ['alpaca.txt @ Research', 'heron.txt @ Research']));
  // A restricted search never returns another collection's passage.
  assert.deepEqual(await t.hits('heron estuary', ['General']), ['alpaca.txt @ General']);
  const afterHeron = t.embedder.batches.length;

  // Move heron out of Research into a new collection: no embedding, gone from Research.
  const notes = await t.json<{ id: string }>(await t.post('/api/collections', { name: 'Field notes' }), 201);
  const moved = await t.json<{ collections: Array<{ name: string }> }>(await t.post(`/api/documents/${heron.id}/move`, { to: 'field NOTES' }), 200);
  assert.deepEqual(moved.collections.map((c) => c.name), ['Field notes']);
  const heronScores = await t.scores('heron waits', 'Research');
  await t.eventually(async () => {
    assert.deepEqual(await t.hits('heron estuary', ['Field notes']), ['heron.txt @ Field notes']);
    assert.deepEqual(await t.hits('heron estuary', ['Research']), ['alpaca.txt @ Research']);
  });
  const movedScores = await t.scores('heron waits', 'Field notes');
  assert.deepEqual(movedScores, new Map([...heronScores].filter(([id]) => id.startsWith(heron.id))));
  assert.equal(t.embedder.batches.length, afterHeron, 'a move embeds nothing');
  // In several collections, a move has to say from where.
  const ambiguous = await t.post(`/api/documents/${alpaca.id}/move`, { to: 'Field notes' });
  assert.equal(ambiguous.status, 400);
  assert.match(((await ambiguous.json()) as { error: string }).error, /in several collections \(General, Research\).*"from"/);

  // A re-index rebuilds every collection, embedding each document once.
  const seen = t.embedder.seen.length;
  await t.json(await t.post('/api/index/reindex', {}), 202);
  await t.eventually(async () => {
    assert.equal((await t.json<{ status: string }>(await t.doc(heron.id), 200)).status, 'ready');
    assert.equal((await t.json<{ status: string }>(await t.doc(alpaca.id), 200)).status, 'ready');
  });
  const chunksOf = async (id: string) => (await t.json<{ chunks: number }>(await t.doc(id), 200)).chunks;
  assert.equal(t.embedder.seen.length - seen, (await chunksOf(alpaca.id)) + (await chunksOf(heron.id)));
  // Over all collections the copy in Research is a near-duplicate of General's and listed once.
  assert.deepEqual(await t.hits('alpaca heron'), ['alpaca.txt @ General', 'heron.txt @ Field notes']);
  assert.deepEqual(await t.hits('alpaca herd', ['Research']), ['alpaca.txt @ Research']);

  // Deleting Research: alpaca stays (it is in General too), its Research passages go.
  const del = await fetch(`${t.base}/api/collections/Research`, { method: 'DELETE' });
  assert.deepEqual(await t.json(del, 202), { id: research.id, name: 'Research', documentsDeleted: 0, documentsKept: 1 });
  await t.eventually(async () => assert.deepEqual(await t.hits('alpaca herd'), ['alpaca.txt @ General', 'heron.txt @ Field notes']));
  assert.equal((await fetch(`${t.base}/api/search?q=alpaca&collections=Research`)).status, 404);
  await fs.access(path.join(t.uploadsDir, alpaca.id));
  await t.dirGone(research.id);

  // Deleting Field notes deletes heron, which is nowhere else: row, passages and upload.
  const delNotes = await fetch(`${t.base}/api/collections/${notes.id}`, { method: 'DELETE' });
  assert.deepEqual(await t.json(delNotes, 202), { id: notes.id, name: 'Field notes', documentsDeleted: 1, documentsKept: 0 });
  await t.eventually(async () => assert.equal((await t.doc(heron.id)).status, 404));
  assert.deepEqual(await t.hits('heron estuary'), ['alpaca.txt @ General']);
  await assert.rejects(fs.access(path.join(t.uploadsDir, heron.id)));
  await t.dirGone(notes.id);
  assert.deepEqual((await fs.readdir(path.join(t.vsDir, COLLECTIONS_SUBDIR))).sort(), [], 'no folder of a deleted collection is left');
});

void test('deleting a collection removes its index directory once its documents are gone; a delete that failed half way and is tried again does too', async () => {
  const t = await setup();
  const kept = await t.upload(ALPACA, 'alpaca.txt');
  const birds = await t.json<{ id: string }>(await t.post('/api/collections', { name: 'Birds' }), 201);
  const heron = await t.upload(HERON, 'heron.txt', 'Birds');
  await t.eventually(async () => assert.deepEqual(await t.hits('heron estuary', ['Birds']), ['heron.txt @ Birds']));
  await fs.access(path.join(t.dirOf(birds.id), 'CURRENT'));
  assert.deepEqual(await t.reader.onDisk().then((ids) => ids.sort()), [birds.id, 'general'].sort());

  // The broker refuses the job that would remove the directory: the delete fails, the collection stays.
  const send = t.bus.send.bind(t.bus);
  let refused = 0;
  t.bus.send = (queue, body, opts) => {
    if ((body as { kind?: string }).kind === 'drop-collection' && refused++ === 0) return Promise.reject(new Error('broker went away'));
    return send(queue, body, opts);
  };
  const failed = await fetch(`${t.base}/api/collections/${birds.id}`, { method: 'DELETE' });
  assert.ok(failed.status >= 500, `the delete failed: ${failed.status}`);
  assert.equal((await fetch(`${t.base}/api/collections/Birds`)).status, 200, 'the collection is still there to delete again');
  await t.eventually(async () => assert.equal((await t.doc(heron.id)).status, 404));
  await fs.access(t.dirOf(birds.id));

  // Tried again: the collection goes, and so does its index directory.
  const again = await fetch(`${t.base}/api/collections/${birds.id}`, { method: 'DELETE' });
  assert.equal(again.status, 202, await again.clone().text());
  assert.equal(refused, 2);
  await t.dirGone(birds.id);
  await t.eventually(async () => assert.deepEqual(await t.reader.onDisk(), ['general'], 'the reader forgot the collection too'));
  assert.deepEqual(await t.hits('alpaca heron estuary'), ['alpaca.txt @ General']);
  assert.equal((await t.json<{ status: string }>(await t.doc(kept.id), 200)).status, 'ready');
  await fs.access(path.join(t.vsDir, 'CURRENT'));
});

const OTTER = 'Otters crack shells on their bellies while floating in the kelp. '.repeat(8);

void test('re-indexing one collection re-embeds its documents into a new version of its index; the other collections keep theirs', async () => {
  const t = await setup();
  const alpha = await t.json<{ id: string }>(await t.post('/api/collections', { name: 'Alpha' }), 201);
  const beta = await t.json<{ id: string }>(await t.post('/api/collections', { name: 'Beta' }), 201);
  const alpaca = await t.upload(ALPACA, 'alpaca.txt', 'Alpha');
  const heron = await t.upload(HERON, 'heron.txt', 'Beta');
  const otter = await t.upload(OTTER, 'otter.txt', 'Beta');
  await t.upload(OTTER, 'otter.txt', 'Alpha'); // otter is in both
  const general = await t.upload('General knowledge about lighthouses and keepers. '.repeat(8), 'lighthouse.txt');
  await t.eventually(async () => {
    assert.deepEqual(await t.hits('alpaca otters kelp', ['Alpha']), ['alpaca.txt @ Alpha', 'otter.txt @ Alpha']);
    assert.deepEqual(await t.hits('heron otters kelp', ['Beta']), ['heron.txt @ Beta', 'otter.txt @ Beta']);
    assert.deepEqual(await t.hits('lighthouses keepers', ['General']), ['lighthouse.txt @ General']);
  });
  const dirOf = (id: string) => path.join(t.vsDir, COLLECTIONS_SUBDIR, id);
  const versions = async (dir: string) => (await fs.readdir(dir)).filter((e) => !e.startsWith('.')).sort();
  const betaBefore = { current: await readCurrent(dirOf(beta.id)), files: await versions(dirOf(beta.id)) };
  const generalBefore = await readCurrent(t.vsDir);
  const alphaBefore = await readCurrent(dirOf(alpha.id));
  const betaScores = await t.scores('heron otters kelp shells', 'Beta');
  const seen = t.embedder.seen.length;

  const res = await t.json<{ id: string; documents: Array<{ id: string }> }>(await t.post('/api/collections/alpha/reindex', {}), 202);
  assert.equal(res.id, alpha.id);
  assert.deepEqual(res.documents.map((d) => d.id).sort(), [alpaca.id, otter.id].sort(), "only Alpha's documents are queued");
  await t.eventually(async () => {
    for (const id of [alpaca.id, otter.id]) assert.equal((await t.json<{ status: string }>(await t.doc(id), 200)).status, 'ready');
    assert.notEqual(await readCurrent(dirOf(alpha.id)), alphaBefore, "a new version of Alpha's index is live");
  });
  // Alpha's documents were embedded again (each of their chunks once), nobody else's.
  const chunksOf = async (id: string) => (await t.json<{ chunks: number }>(await t.doc(id), 200)).chunks;
  const embeddedTexts = t.embedder.seen.slice(seen);
  assert.equal(embeddedTexts.length, (await chunksOf(alpaca.id)) + (await chunksOf(otter.id)));
  assert.ok(!embeddedTexts.some((x) => /heron|lighthouse/i.test(x)), 'no passage of another collection was embedded');
  // Beta (which shares otter) and General: same CURRENT, no new version directory, same passages.
  assert.deepEqual({ current: await readCurrent(dirOf(beta.id)), files: await versions(dirOf(beta.id)) }, betaBefore);
  assert.equal(await readCurrent(t.vsDir), generalBefore);
  assert.deepEqual(await t.scores('heron otters kelp shells', 'Beta'), betaScores);
  assert.deepEqual(await t.hits('alpaca otters kelp', ['Alpha']), ['alpaca.txt @ Alpha', 'otter.txt @ Alpha']);
  assert.equal((await t.json<{ status: string }>(await t.doc(heron.id), 200)).status, 'ready');
  assert.equal((await t.json<{ status: string }>(await t.doc(general.id), 200)).status, 'ready');
  // An unknown collection: 404 naming it, nothing queued.
  const missing = await t.post('/api/collections/Gamma/reindex', {});
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /No collection "Gamma"/);
});

void test('deleting a collection while one of its documents is being ingested: the ingest ends, then the delete removes it; nothing half-indexed remains', async () => {
  const t = await setup();
  const created = await t.json<{ id: string }>(await t.post('/api/collections', { name: 'Birds' }), 201);
  const kept = await t.upload(ALPACA, 'alpaca.txt');
  await t.eventually(async () => assert.equal(((await t.json<{ status: string }>(await t.doc(kept.id), 200)).status), 'ready'));
  t.embedder.hold();
  const heron = await t.upload(HERON, 'heron.txt', 'Birds');
  await t.eventually(async () => assert.equal(((await t.json<{ status: string }>(await t.doc(heron.id), 200)).status), 'processing'));
  const del = await fetch(`${t.base}/api/collections/${created.id}`, { method: 'DELETE' });
  assert.equal(del.status, 202, await del.clone().text());
  // The collection is gone at once; its document waits for its ingest to end, then leaves.
  assert.equal((await fetch(`${t.base}/api/collections/Birds`)).status, 404);
  t.embedder.open();
  await t.eventually(async () => assert.equal((await t.doc(heron.id)).status, 404));
  assert.deepEqual(await t.hits('heron estuary shallow'), ['alpaca.txt @ General'], 'no passage of the deleted collection is searchable');
  await t.dirGone(created.id);
  // Nothing of it stays in any index on disk either: a fresh reader of the whole directory sees General's document alone.
  const fresh = new CollectionStores({ root: t.vsDir, open: (d: string) => openFaissStore({ dir: d, manifest: { embedModelId: t.embedder.modelId, embedModelName: t.embedder.modelName, dimensions: t.embedder.dimensions, chunkSize: 200, chunkOverlap: 20 } }) });
  cleanup.push(() => fresh.close());
  const rows = await createCollectionRetriever(t.embedder, fresh).search('heron estuary shallow', 20, []);
  assert.ok(rows.length > 0 && rows.every((h) => h.documentId === kept.id), `only the kept document is indexed: ${JSON.stringify(rows.map((h) => h.documentName))}`);
});
