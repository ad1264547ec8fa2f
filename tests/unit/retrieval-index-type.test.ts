/**
 * The approximate index option (INDEX_TYPE=hnsw): the store builds an HNSW index, searches it
 * deeper than k, removes documents by rebuilding, records the type in the manifest, and rebuilds
 * a stored version as the configured type when INDEX_TYPE changes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config.ts';
import type { ChunkRecord, VectorStore } from '../../src/ports/vector-store.ts';
import { HNSW_MIN_SEARCH_DEPTH, searchDepth, storedIndexType, type IndexType } from '../../src/retrieval/index-kind.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { faissStoreFixture } from '../support/faiss-store-fixture.ts';

const fixture = faissStoreFixture('docent-hnsw-');
const open = (dir: string, indexType: IndexType): Promise<VectorStore> => fixture.open(dir, { indexType });

const docId = (d: number) => `doc-${d}-`.padEnd(64, '0');

/** `n` documents of 5 chunks each, every chunk with its own words. */
function docs(n: number): Array<{ chunks: ChunkRecord[]; vectors: number[][] }> {
  return Array.from({ length: n }, (_, d) => {
    const documentId = docId(d);
    const texts = Array.from({ length: 5 }, (_, i) => `topic${d} item${i} word${d * 5 + i} colour${(d * 7 + i) % 13}`);
    const chunks = texts.map((text, i) => ({ chunkId: `${documentId}:${i}`, documentId, documentName: `d${d}.txt`, page: null, text, start: 0, end: text.length }));
    return { chunks, vectors: texts.map((t) => hashEmbed(t)) };
  });
}

void test('searchDepth: flat asks for k, hnsw for at least the minimum depth, never more than the rows', () => {
  assert.equal(searchDepth('flat', 5, 100), 5);
  assert.equal(searchDepth('flat', 5, 3), 3);
  assert.equal(searchDepth('hnsw', 5, 10_000), HNSW_MIN_SEARCH_DEPTH);
  assert.equal(searchDepth('hnsw', 100, 10_000), 100);
  assert.equal(searchDepth('hnsw', 5, 20), 20);
  assert.equal(storedIndexType(undefined), 'flat');
  assert.equal(storedIndexType('hnsw'), 'hnsw');
});

void test('INDEX_TYPE: flat by default, hnsw accepted, anything else refused naming the variable', () => {
  assert.equal(parseConfig({}).retrieval.indexType, 'flat');
  assert.equal(parseConfig({ INDEX_TYPE: 'hnsw' }).retrieval.indexType, 'hnsw');
  assert.throws(() => parseConfig({ INDEX_TYPE: 'ivf' }), /INDEX_TYPE/);
});

void test('an hnsw store finds what a flat store finds, returns k hits, and forgets a removed document', async () => {
  const dir = await fixture.tempDir();
  const s = await open(dir, 'hnsw');
  const all = docs(40);
  for (const d of all) await s.addDocument(d.chunks, d.vectors);
  assert.equal(s.size, 200);
  const hits = await s.search(hashEmbed('topic7 item3 word38 colour0'), 4);
  assert.equal(hits.length, 4);
  assert.equal(hits[0]!.chunkId, `${docId(7)}:3`);
  assert.ok(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score));

  assert.equal(await s.removeDocument(all[7]!.chunks[0]!.documentId), true);
  assert.equal(s.size, 195);
  const after = await s.search(hashEmbed('topic7 item3 word38 colour0'), 10);
  assert.equal(after.length, 10);
  assert.ok(after.every((h) => h.documentId !== docId(7)), 'a removed document is never found again');
  // After the rebuild every FAISS row still maps to its own chunk: the text matches the chunk id.
  for (const h of after) {
    const [d, i] = [h.documentName.slice(1, -4), h.chunkId.split(':')[1]];
    assert.ok(h.text.startsWith(`topic${d} item${i} `), `${h.chunkId} -> ${h.text}`);
  }
});

void test('the manifest records the type; opening with another INDEX_TYPE rebuilds from the kept vectors', async () => {
  const dir = await fixture.tempDir();
  const flat = await open(dir, 'flat');
  for (const d of docs(10)) await flat.addDocument(d.chunks, d.vectors);
  const v1 = await flat.save();
  const m1 = JSON.parse(await fs.readFile(path.join(dir, v1, 'manifest.json'), 'utf8')) as { indexType?: string };
  assert.equal(m1.indexType, 'flat');
  await flat.close();

  const hnsw = await open(dir, 'hnsw');
  assert.equal(hnsw.size, 50);
  const hits = await hnsw.search(hashEmbed('topic3 item1 word16 colour9'), 3);
  assert.equal(hits[0]!.chunkId, `${docId(3)}:1`);
  const v2 = await hnsw.save();
  const m2 = JSON.parse(await fs.readFile(path.join(dir, v2, 'manifest.json'), 'utf8')) as { indexType?: string };
  assert.equal(m2.indexType, 'hnsw');
  await hnsw.close();

  // Read back as HNSW from index.faiss (same type: no rebuild).
  const again = await open(dir, 'hnsw');
  assert.equal((await again.search(hashEmbed('topic3 item1 word16 colour9'), 3))[0]!.chunkId, `${docId(3)}:1`);
});
