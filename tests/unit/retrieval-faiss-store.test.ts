/**
 * The FAISS vector store: ranking, removal, replacement, atomic versions on disk, reload, the
 * embedding-model check, and recovery from a save that crashed half-way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { AppError } from '../../src/errors.ts';
import type { ChunkRecord, VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { faissStoreFixture, TEST_MANIFEST as MANIFEST } from '../support/faiss-store-fixture.ts';

const { tempDir, open } = faissStoreFixture('docent-faiss-');

function doc(id: string, texts: string[]): { chunks: ChunkRecord[]; vectors: number[][] } {
  const documentId = id.repeat(64).slice(0, 64);
  const chunks = texts.map((text, i) => ({ chunkId: `${documentId}:${i}`, documentId, documentName: `${id}.txt`, page: i + 1, text, start: 0, end: text.length }));
  return { chunks, vectors: texts.map((t) => hashEmbed(t)) };
}

const HARBOUR = doc('a', ['the harbour opens at six in the morning', 'ferries leave from the south pier']);
const BAKERY = doc('b', ['feed the sourdough starter with flour and water', 'bake the bread with steam at high heat']);
const GARDEN = doc('c', ['tomatoes need sun and water every day', 'prune the roses in early spring']);

async function filled(dir: string): Promise<VectorStore> {
  const s = await open(dir);
  for (const d of [HARBOUR, BAKERY, GARDEN]) await s.addDocument(d.chunks, d.vectors);
  return s;
}

const ask = (s: VectorStore, q: string, k = 3) => s.search(hashEmbed(q), k);

void test('search ranks the chunk sharing the query words first, scores are cosine and descending', async () => {
  const s = await filled(await tempDir());
  assert.equal(s.size, 6);
  const hits = await ask(s, 'when do ferries leave the south pier');
  assert.equal(hits[0]!.text, 'ferries leave from the south pier');
  assert.equal(hits[0]!.page, 2);
  assert.ok(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score));
  const exact = await ask(s, 'prune the roses in early spring', 1);
  assert.ok(Math.abs(exact[0]!.score - 1) < 1e-5, `identical text scores 1, got ${exact[0]!.score}`);
  assert.equal((await ask(s, 'bread', 50)).length, 6, 'k larger than the index is clamped');
  assert.deepEqual(await ask(s, 'bread', 0), []);
});

void test('removeDocument: its chunks never come back, the index shrinks, other rows stay correct', async () => {
  const s = await filled(await tempDir());
  assert.equal(await s.removeDocument(BAKERY.chunks[0]!.documentId), true);
  assert.equal(s.size, 4);
  assert.equal(s.hasDocument(BAKERY.chunks[0]!.documentId), false);
  const all = await ask(s, 'sourdough bread flour steam', 10);
  assert.equal(all.length, 4);
  assert.ok(all.every((h) => h.documentId !== BAKERY.chunks[0]!.documentId));
  // Rows after the removed document moved up; their chunks must still match their vectors.
  assert.equal((await ask(s, 'prune roses spring', 1))[0]!.text, 'prune the roses in early spring');
  assert.equal(await s.removeDocument('f'.repeat(64)), false);
});

void test('adding a document again replaces it instead of duplicating it', async () => {
  const s = await filled(await tempDir());
  await s.addDocument(HARBOUR.chunks, HARBOUR.vectors);
  assert.equal(s.size, 6);
  const hits = await ask(s, 'harbour opens morning', 6);
  assert.equal(hits.filter((h) => h.text === 'the harbour opens at six in the morning').length, 1);
});

void test('a vector of the wrong dimension is refused and changes nothing', async () => {
  const s = await filled(await tempDir());
  const bad = doc('d', ['x']);
  await assert.rejects(s.addDocument(bad.chunks, [[1, 2, 3]]), /dimensions/);
  assert.equal(s.size, 6);
  assert.equal(s.hasDocument(bad.chunks[0]!.documentId), false);
});

void test('a replacement with a zero vector is refused and the earlier copy stays whole', async () => {
  const s = await filled(await tempDir());
  await assert.rejects(s.addDocument(HARBOUR.chunks, [HARBOUR.vectors[0]!, HARBOUR.vectors[0]!.map(() => 0)]), /zero or not finite/);
  assert.equal(s.size, 6);
  assert.equal((await ask(s, 'ferries leave from the south pier', 1))[0]!.text, 'ferries leave from the south pier');
});

void test('large documents added after others: every row keeps its own vector, also after a removal rebuilds the index', async () => {
  const s = await filled(await tempDir());
  // More rows than one FAISS add slice (256) and than the store's first buffer, so the store grows.
  const big = doc('e', Array.from({ length: 700 }, (_, i) => `line ${i} of the tide table for pier ${i % 37} and berth ${i}`));
  await s.addDocument(big.chunks, big.vectors);
  assert.equal(s.size, 706);
  const probe = async (): Promise<void> => {
    for (const i of [0, 255, 256, 511, 699]) {
      const text = big.chunks[i]!.text;
      const top = (await ask(s, text, 1))[0]!;
      assert.equal(top.text, text);
      assert.ok(Math.abs(top.score - 1) < 1e-5);
    }
  };
  await probe();
  await s.removeDocument(BAKERY.chunks[0]!.documentId);
  assert.equal(s.size, 704);
  await probe();
  assert.equal((await ask(s, 'prune the roses in early spring', 1))[0]!.text, 'prune the roses in early spring');
});

void test('save -> reopen gives the same results; each save is a new version named by CURRENT; two are kept', async () => {
  const dir = await tempDir();
  const s = await filled(dir);
  assert.equal(s.version, null);
  const before = await ask(s, 'water for the starter', 6);
  const v1 = await s.save();
  assert.equal(s.version, v1);
  assert.equal((await fs.readFile(path.join(dir, 'CURRENT'), 'utf8')).trim(), v1);
  assert.deepEqual((await fs.readdir(path.join(dir, v1))).sort(), ['chunks.jsonl', 'index.faiss', 'lexical.sqlite', 'manifest.json', 'vectors.f32']);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, v1, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.embedModelId, MANIFEST.embedModelId);
  assert.equal(manifest.chunks, 6);
  assert.equal((manifest.documents as unknown[]).length, 3);

  const reopened = await open(dir);
  assert.equal(reopened.version, v1);
  assert.equal(reopened.size, 6);
  assert.deepEqual(await ask(reopened, 'water for the starter', 6), before);

  // A second reader picks up new versions with reload(); old versions beyond two are deleted.
  await s.removeDocument(GARDEN.chunks[0]!.documentId);
  const v2 = await s.save();
  const v3 = await s.save();
  assert.notEqual(v2, v1);
  assert.notEqual(v3, v2);
  const versions = (await fs.readdir(dir)).filter((e) => e.startsWith('v-')).sort();
  assert.deepEqual(versions, [v2, v3].sort());
  assert.equal(await reopened.reload(), true);
  assert.equal(reopened.version, v3);
  assert.equal(reopened.size, 4);
  assert.equal(await reopened.reload(), false, 'nothing changed');
});

void test('an index built with another embedding model or dimension is refused, naming the re-index command', async () => {
  const dir = await tempDir();
  const s = await filled(dir);
  await s.save();
  for (const other of [{ ...MANIFEST, embedModelId: 'another-model-01' }, { ...MANIFEST, dimensions: 768 }]) {
    await assert.rejects(openFaissStore({ dir, manifest: other }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'index_model_mismatch');
      assert.match(err.message, /npm run ingest -- --reindex/);
      assert.match(err.message, /re-ingests every document/);
      return true;
    });
  }
  // Chunker settings may differ: search stays valid.
  const s2 = await open(dir, { manifest: { ...MANIFEST, chunkSize: 500 } });
  assert.equal(s2.size, 6);
});

void test('a save that crashed half-way (no CURRENT swap) leaves the previous version loadable', async () => {
  const dir = await tempDir();
  const s = await filled(dir);
  const v1 = await s.save();
  const expected = await ask(s, 'tomatoes in the sun', 6);
  // What a crash leaves: a newer version directory with partial files, and a temp pointer file.
  const torn = `v-${Date.now() + 60_000}-0`;
  await fs.mkdir(path.join(dir, torn));
  await fs.writeFile(path.join(dir, torn, 'chunks.jsonl'), '{"chunkId":"half');
  await fs.copyFile(path.join(dir, v1, 'index.faiss'), path.join(dir, torn, 'index.faiss'));
  await fs.writeFile(path.join(dir, 'CURRENT.0123456789ab.tmp'), torn);

  const recovered = await open(dir);
  assert.equal(recovered.version, v1);
  assert.deepEqual(await ask(recovered, 'tomatoes in the sun', 6), expected);
  assert.equal(await recovered.reload(), false);
  // The next save clears the leftovers.
  const v2 = await recovered.save();
  assert.deepEqual((await fs.readdir(dir)).sort(), ['CURRENT', v1, v2].sort());
});

void test('a closed store refuses work; close is idempotent', async () => {
  const s = await filled(await tempDir());
  await s.close();
  await s.close();
  await assert.rejects(ask(s, 'harbour'), /closed/);
  await assert.rejects(s.save(), /closed/);
});
