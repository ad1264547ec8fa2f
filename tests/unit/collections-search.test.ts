/**
 * Collection stores (an index per collection) with the real FAISS store: a search restricted to
 * some collections never returns another collection's passage, even a near-duplicate that scores
 * higher; top-k is exact within the chosen collections (checked against a brute-force cosine
 * ranking) and never starves below k when they hold k; no choice searches every collection; a
 * second set of stores on the same directory (another process) sees new collections and reloads;
 * removing a deleted collection removes its directory alone, and the other process forgets it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChunkRecord } from '../../src/ports/vector-store.ts';
import { CollectionStores } from '../../src/retrieval/collection-stores.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { TEST_MANIFEST } from '../support/faiss-store-fixture.ts';

const dirs: string[] = [];
const opened: CollectionStores[] = [];
after(async () => {
  for (const s of opened) await s.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function storesIn(root?: string): Promise<{ root: string; stores: CollectionStores }> {
  const dir = root ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'docent-collections-')));
  if (!root) dirs.push(dir);
  const stores = new CollectionStores({ root: dir, open: (d) => openFaissStore({ dir: d, manifest: TEST_MANIFEST }) });
  opened.push(stores);
  return { root: dir, stores };
}

const PUMP = (i: number, word: string) => `Pump model ${i} of the ${word} line needs oil every ${i + 2} weeks and a filter check in spring number ${i}.`;

function doc(collection: string, n: number, text: string): { chunks: ChunkRecord[]; vectors: number[][] } {
  const documentId = `${collection}-${n}-`.padEnd(64, 'x');
  return {
    chunks: [{ chunkId: `${documentId}:0`, documentId, documentName: `${collection}-${n}.txt`, page: null, text, start: 0, end: text.length, headingPath: null }],
    vectors: [hashEmbed(text)],
  };
}

/** Adds `n` one-chunk documents to a collection; the texts differ across collections by one word. */
async function fill(stores: CollectionStores, collection: string, word: string, n: number): Promise<ChunkRecord[]> {
  const store = await stores.forCollection(collection);
  const all: ChunkRecord[] = [];
  for (let i = 0; i < n; i++) {
    const d = doc(collection, i, PUMP(i, word));
    await store.addDocument(d.chunks, d.vectors);
    all.push(...d.chunks);
  }
  await store.save();
  return all;
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

const round = (x: number) => Math.round(x * 1e5) / 1e5;

/** The scores of the exact top k of `chunks` for `query`, by brute force over their texts' vectors (ties make ids ambiguous, scores not). */
function bruteTopK(chunks: ChunkRecord[], query: string, k: number): number[] {
  const q = hashEmbed(query);
  return chunks
    .map((c) => cosine(q, hashEmbed(c.text)))
    .sort((a, b) => b - a)
    .slice(0, k)
    .map(round);
}

/** The hits' scores, each checked against its own passage's brute-force score. */
function scoresOf(hits: Array<{ text: string; score: number; chunkId: string }>, query: string): number[] {
  const q = hashEmbed(query);
  for (const h of hits) assert.equal(round(h.score), round(cosine(q, hashEmbed(h.text))), h.chunkId);
  assert.equal(new Set(hits.map((h) => h.chunkId)).size, hits.length, 'no passage twice');
  return hits.map((h) => round(h.score));
}

void test('a restricted search returns only the chosen collections\' passages, the exact top k, never fewer than k when they hold k', async () => {
  const { stores } = await storesIn();
  const manuals = await fill(stores, 'manuals', 'industrial', 12);
  const hr = await fill(stores, 'hr', 'domestic', 12);
  const general = await fill(stores, 'general', 'garden', 3);
  // The query is an HR passage word for word: HR's near-duplicates outscore every manual.
  const query = PUMP(4, 'domestic');
  const globalTop = await stores.search(hashEmbed(query), 5);
  assert.ok(globalTop.slice(0, 1).every((h) => h.collectionId === 'hr'), 'the HR passage is the best match overall');

  for (const k of [1, 5, 12]) {
    const hits = await stores.search(hashEmbed(query), k, ['manuals']);
    assert.equal(hits.length, k, `k=${k}`);
    assert.ok(hits.every((h) => h.collectionId === 'manuals' && h.documentId.startsWith('manuals-')), `k=${k}: only manuals`);
    assert.deepEqual(scoresOf(hits, query), bruteTopK(manuals, query, k), `k=${k}: exact top k`);
  }
  // More than it holds: all of it, nothing from elsewhere.
  assert.equal((await stores.search(hashEmbed(query), 20, ['manuals'])).length, 12);

  const two = await stores.search(hashEmbed(query), 7, ['manuals', 'general']);
  assert.deepEqual(scoresOf(two, query), bruteTopK([...manuals, ...general], query, 7));
  assert.ok(two.every((h) => h.collectionId !== 'hr'));

  // No choice: every collection, merged by score, each hit naming its collection.
  const all = await stores.search(hashEmbed(query), 10);
  assert.deepEqual(scoresOf(all, query), bruteTopK([...manuals, ...hr, ...general], query, 10));
  for (const h of all) assert.equal(h.collectionId, h.documentId.split('-')[0]);
});

void test('a collection never written holds nothing and is not created by a search; another process sees new collections and reloads', async () => {
  const { root, stores: writer } = await storesIn();
  assert.deepEqual(await writer.search(hashEmbed('pump'), 5, ['empty1']), []);
  await assert.rejects(fs.access(writer.dirOf('empty1')));
  await fill(writer, 'general', 'garden', 2);

  const { stores: reader } = await storesIn(root);
  assert.equal((await reader.search(hashEmbed('pump oil'), 5)).length, 2);
  await fill(writer, 'manuals', 'industrial', 3);
  // A collection created after the reader opened: found when searched, and by "all".
  assert.equal((await reader.search(hashEmbed('pump oil'), 5, ['manuals'])).length, 3);
  assert.equal((await reader.search(hashEmbed('pump oil'), 10)).length, 5);

  const manuals = await writer.forCollection('manuals');
  assert.equal(await manuals.removeDocument('manuals-0-'.padEnd(64, 'x')), true);
  await manuals.save();
  assert.equal(await reader.reload(), true);
  const left = await reader.search(hashEmbed('pump oil'), 10, ['manuals']);
  assert.deepEqual(left.map((h) => h.documentId.slice(0, 9)).sort(), ['manuals-1', 'manuals-2']);
  assert.throws(() => writer.dirOf('../etc'), /collection id/);
});

void test('removing a deleted collection: only its own directory goes (never General, never through a link), repeatably; readers forget it', async () => {
  const { root, stores: writer } = await storesIn();
  await fill(writer, 'general', 'garden', 2);
  await fill(writer, 'manuals', 'industrial', 2);
  await fill(writer, 'spares', 'spare', 2);
  const { stores: reader } = await storesIn(root);
  assert.equal((await reader.search(hashEmbed('pump oil'), 10)).length, 6);
  // A search that picked up the stores before the removal still runs against them (they close later).
  const held = await reader.storesOf(['manuals']);

  assert.equal(await writer.remove('manuals'), true);
  await assert.rejects(fs.access(writer.dirOf('manuals')), { code: 'ENOENT' });
  assert.equal(await writer.remove('manuals'), false, 'already gone: fine');
  await assert.rejects(writer.remove('general'), /General's index cannot be removed/);
  await assert.rejects(writer.remove('../spares'), /collection id/);
  await fs.access(path.join(root, 'CURRENT'));
  await fs.access(path.join(writer.dirOf('spares'), 'CURRENT'));
  assert.deepEqual((await writer.onDisk()).sort(), ['general', 'spares']);

  assert.equal((await held[0]!.store.search(hashEmbed('pump oil'), 5)).length, 2);
  assert.equal(await reader.reload(), true, 'a collection gone is a change');
  assert.deepEqual((await reader.onDisk()).sort(), ['general', 'spares']);
  assert.equal((await reader.search(hashEmbed('pump oil'), 10)).length, 4);
  assert.equal(await reader.reload(), false);

  // A link in a collection's place: the link goes, what it points to stays.
  const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-outside-'));
  dirs.push(outside);
  await fs.writeFile(path.join(outside, 'keep.txt'), 'keep');
  await fs.symlink(outside, writer.dirOf('linked'));
  assert.equal(await writer.remove('linked'), true);
  await assert.rejects(fs.lstat(writer.dirOf('linked')), { code: 'ENOENT' });
  assert.equal(await fs.readFile(path.join(outside, 'keep.txt'), 'utf8'), 'keep');
});
