/**
 * A reader behind an embedding-model swap (src/retrieval/stale-index.ts through the guarded store):
 * two stand-in embedding models over the real FAISS store, model A (384 dimensions) for the reader
 * and model B (256) for the writer, as a web or answer worker still on the old EMBED_MODEL sees a
 * re-index with the new one. The reader keeps serving what it loaded, filtered to the documents the
 * live version lists, from memory once its version's folder is pruned, read-only, and says so once;
 * restarted on B it loads the live version; started fresh on A it serves the version before the live
 * one when that is A's, and refuses as before when none is left; a roll-back makes it a normal reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import type { ChunkRecord, IndexManifest, VectorStore } from '../../src/ports/vector-store.ts';
import { CollectionStores } from '../../src/retrieval/collection-stores.ts';
import { createCollectionRetriever } from '../../src/retrieval/collection-retriever.ts';
import { pointCurrent, readCurrent } from '../../src/retrieval/faiss-files.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createGuardedRetriever, openGuardedStore, ReindexNeededError, type GuardedStore } from '../../src/retrieval/guarded-store.ts';
import { createFakeEmbedder, hashEmbed } from '../support/fake-embedder.ts';
import { faissStoreFixture } from '../support/faiss-store-fixture.ts';

const fx = faissStoreFixture('docent-stale-');
const A: IndexManifest = { embedModelId: 'model-a', embedModelName: 'model A', dimensions: 384, chunkSize: 1000, chunkOverlap: 150 };
const B: IndexManifest = { embedModelId: 'model-b', embedModelName: 'model B', dimensions: 256, chunkSize: 1000, chunkOverlap: 150 };
const embedderA = createFakeEmbedder({ modelId: A.embedModelId, modelName: A.embedModelName, dimensions: A.dimensions });

const DOCS: Record<string, string[]> = {
  alpaca: ['Alpacas graze on the high plateau; the alpaca herd moves at dawn.'],
  heron: ['Herons fish in the shallow estuary; a heron waits without moving.'],
  otter: ['Otters crack shells on their bellies in the kelp.', 'An otter floats in the kelp and cracks shells.', 'Sea otters wrap themselves in kelp.'],
  newt: ['Newts cross the wet road at night in spring.'],
};

function chunksOf(doc: string): ChunkRecord[] {
  return DOCS[doc]!.map((text, i) => ({ chunkId: `${doc}#${i}`, documentId: doc, documentName: `${doc}.txt`, page: null, text, start: 0, end: text.length }));
}

async function add(store: VectorStore, model: IndexManifest, doc: string): Promise<void> {
  const chunks = chunksOf(doc);
  await store.addDocument(chunks, chunks.map((c) => hashEmbed(c.text, model.dimensions)));
}

/** A version of `docs` built with `model` saved in `dir` (its CURRENT); returns its name. */
async function build(dir: string, model: IndexManifest, docs: string[]): Promise<string> {
  const s = await openFaissStore({ dir, manifest: model });
  for (const d of docs) await add(s, model, d);
  const name = await s.save();
  await s.close();
  return name;
}

/** What a re-index does: builds the version beside the live one, then swaps CURRENT to it. */
async function reindexInto(dir: string, model: IndexManifest, docs: string[]): Promise<string> {
  const staging = path.join(dir, '.reindex-test');
  await fs.mkdir(staging);
  const name = await build(staging, model, docs);
  await fs.rename(path.join(staging, name), path.join(dir, name));
  await fs.rm(staging, { recursive: true });
  await pointCurrent(dir, name);
  return name;
}

function captureLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as { level: number; msg: string }), cb()) }));
  return { log, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

const stores: GuardedStore[] = [];
async function reader(dir: string, model: IndexManifest, log = captureLog().log): Promise<GuardedStore> {
  const s = await openGuardedStore(() => openFaissStore({ dir, manifest: model }), { dir, manifest: model, openVersion: (version) => openFaissStore({ dir, manifest: model, version }), log });
  stores.push(s);
  return s;
}
test.after(() => Promise.all(stores.map((s) => s.close())));

/** Read through a call: an assertion on `s.stale` would narrow the property for the rest of a test. */
const staleOf = (s: GuardedStore) => s.stale;
const ids = async (s: VectorStore, q: string, k: number, model = A) => (await s.search(hashEmbed(q, model.dimensions), k)).map((h) => h.documentId);

void test('after a swap to another model the reader serves its loaded version, filtered to the live documents, from memory, read-only, said once', async () => {
  const dir = await fx.tempDir();
  const old = await build(dir, A, ['alpaca', 'heron', 'otter']);
  const { log, warnings } = captureLog();
  const r = await reader(dir, A, log);
  assert.equal(r.stale, null);

  const live = await reindexInto(dir, B, ['alpaca', 'heron', 'otter']);
  assert.equal(await r.reload(), false);
  const stale = staleOf(r);
  assert.ok(stale, 'serving the loaded version');
  assert.equal(stale.served, old);
  assert.equal(stale.live, live);
  assert.match(stale.message, new RegExp(`index ${live} was built with the embedding model model B .*this process has model A .*serving the loaded version ${old} until it is restarted with EMBED_MODEL set to model B; documents uploaded since are not searchable here`));
  assert.equal(r.reindexNeeded, stale.message, 'writers see why they must wait');
  const said = stale.message;
  assert.equal(r.version, old);
  assert.equal((await ids(r, 'otters crack shells kelp', 1))[0], 'otter');
  assert.equal((await createGuardedRetriever(embedderA, r).search('alpaca herd plateau', 2))[0]?.documentId, 'alpaca');

  // The new model's writer deletes otter and saves: the old version's folder is pruned.
  const writer = await openFaissStore({ dir, manifest: B });
  await writer.removeDocument('otter');
  await writer.save();
  await assert.rejects(fs.access(path.join(dir, old)), 'the served version is gone from disk');
  await r.reload();
  assert.deepEqual((await ids(r, 'otters crack shells kelp', 2)).sort(), ['alpaca', 'heron'], 'k hits, none of the deleted document');
  assert.deepEqual((await r.searchText!('otters kelp alpaca herons', 5)).map((h) => h.documentId).sort(), ['alpaca', 'heron']);
  assert.equal(r.hasDocument('otter'), false);
  assert.equal(r.documentRows?.('otter'), undefined);
  assert.equal(r.size, 2, 'the passages still searchable here');

  // Uploaded after the swap: in the live version only, not searchable here.
  await add(writer, B, 'newt');
  await writer.save();
  await writer.close();
  await r.reload();
  assert.ok(!(await ids(r, 'newts cross the wet road', 5)).includes('newt'));

  const before = { current: await readCurrent(dir), entries: await fs.readdir(dir) };
  for (const write of [() => add(r, A, 'newt'), () => r.removeDocument('alpaca'), () => r.save()]) {
    await assert.rejects(write(), (err: unknown) => err instanceof ReindexNeededError && err.code === 'index_model_mismatch');
  }
  assert.deepEqual({ current: await readCurrent(dir), entries: await fs.readdir(dir) }, before, 'nothing written by the reader');
  assert.deepEqual(warnings(), [said], 'one warning for the swap, none for the versions after it');

  // Restarted on the new model: the live version, normally.
  const restarted = await reader(dir, B);
  assert.equal(restarted.stale, null);
  assert.equal(restarted.reindexNeeded, null);
  assert.equal(restarted.version, await readCurrent(dir));
  assert.equal((await ids(restarted, 'newts cross the wet road', 1, B))[0], 'newt');
});

void test('a reader that hears of the swap only after its version was pruned still gives k hits of the live documents', async () => {
  const dir = await fx.tempDir();
  const old = await build(dir, A, ['alpaca', 'heron', 'otter']);
  const r = await reader(dir, A);
  await reindexInto(dir, B, ['alpaca', 'heron', 'otter']);
  const writer = await openFaissStore({ dir, manifest: B });
  await writer.removeDocument('otter');
  await writer.save();
  await writer.close();
  await assert.rejects(fs.access(path.join(dir, old)));
  await r.reload();
  assert.equal(staleOf(r)?.served, old);
  // Which rows are filtered out is unknown without the old manifest: the search goes deeper.
  assert.deepEqual((await ids(r, 'otters crack shells kelp', 2)).sort(), ['alpaca', 'heron']);
  assert.deepEqual((await ids(r, 'otters crack shells kelp', 9)).sort(), ['alpaca', 'heron']);
});

void test('a fresh start on the old model serves the version before the live one while it is on disk, and refuses as before once it is gone', async () => {
  const dir = await fx.tempDir();
  const old = await build(dir, A, ['alpaca', 'heron', 'otter']);
  await reindexInto(dir, B, ['alpaca', 'heron']);

  const fresh = await reader(dir, A);
  assert.equal(fresh.stale?.served, old);
  assert.deepEqual((await ids(fresh, 'otters crack shells kelp', 2)).sort(), ['alpaca', 'heron'], 'filtered by the live manifest');

  const writer = await openFaissStore({ dir, manifest: B });
  await add(writer, B, 'newt');
  await writer.save();
  await writer.close();
  const late = await reader(dir, A);
  assert.equal(late.stale, null, 'nothing of its model left to serve');
  assert.match(late.reindexNeeded ?? '', /built with the embedding model model B[\s\S]*npm run ingest -- --reindex/);
  await assert.rejects(createGuardedRetriever(embedderA, late).search('alpaca', 3), ReindexNeededError);
});

void test('a roll-back (CURRENT pointed at the old version again) makes a stale reader a normal one', async () => {
  const dir = await fx.tempDir();
  const old = await build(dir, A, ['alpaca', 'otter']);
  const r = await reader(dir, A);
  await reindexInto(dir, B, ['alpaca']);
  await r.reload();
  assert.deepEqual(await ids(r, 'otters kelp', 5), ['alpaca']);

  await pointCurrent(dir, old);
  assert.equal(await r.reload(), true);
  assert.equal(r.stale, null);
  assert.equal(r.reindexNeeded, null);
  assert.equal((await ids(r, 'otters kelp', 1))[0], 'otter');
  await add(r, A, 'heron');
  assert.notEqual(await r.save(), old, 'writable again');
});

void test('collections: each serves on by its own CURRENT; one created after the swap by the new model is left out of searches over all, and readiness and metrics say so', async () => {
  const root = await fx.tempDir();
  await build(root, A, ['alpaca', 'otter']);
  const research = path.join(root, 'collections', 'research');
  await fs.mkdir(research, { recursive: true });
  await build(research, A, ['heron']);
  const cs = new CollectionStores({ root, open: (dir) => reader(dir, A) });
  await cs.openAll();
  const search = createCollectionRetriever(embedderA, cs, { mode: 'hybrid' });

  await reindexInto(root, B, ['alpaca']);
  await reindexInto(research, B, ['heron']);
  const late = path.join(root, 'collections', 'late');
  await fs.mkdir(late, { recursive: true });
  await build(late, B, ['newt']);
  await cs.reload();

  const all = await search.search('otters kelp heron alpaca newts', 5);
  assert.deepEqual(all.map((h) => `${h.collectionId}/${h.documentId}`).sort(), ['general/alpaca', 'research/heron']);
  assert.deepEqual((await search.search('heron estuary', 3, ['research'])).map((h) => h.documentId), ['heron']);
  await assert.rejects(search.search('newts', 3, ['late']), ReindexNeededError);

  const health = cs.health();
  assert.equal(health.blocked, null, 'ready');
  assert.match(health.stale ?? '', /general: index v-\S+ was built with the embedding model model B/);
  assert.match(health.stale ?? '', /research: /);
  assert.match(health.stale ?? '', /no version of this model to serve \(searches leave them out\): late/);
  const metrics = new PrometheusMetrics({ defaultMetrics: false });
  metrics.watchIndex(() => cs.stats());
  const body = (await metrics.render()).body;
  assert.ok(cs.stats().find((st) => st.collection === 'general')?.staleSince, 'stale since the swap');
  assert.match(body, /docent_index_stale_seconds\{collection="general"\} \d/);
  assert.match(body, /docent_index_stale_seconds\{collection="late"\} 0\n/);
  await cs.close();
});
