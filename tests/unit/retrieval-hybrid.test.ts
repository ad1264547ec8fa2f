/**
 * Hybrid search: the two fusion methods, near-duplicate passages kept out of the top k, the three
 * search modes over a real FAISS store with its lexical index (lexical mode never embeds; hybrid
 * finds a passage only BM25 finds and gives it its real cosine), and adaptive k on the cosine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dropFarBelowBest } from '../../src/answer/adaptive-k.ts';
import type { ChunkRecord, SearchHit } from '../../src/ports/vector-store.ts';
import { fuse, type Candidate } from '../../src/retrieval/fusion.ts';
import { dropNearDuplicates, overlapCoefficient, shingles } from '../../src/retrieval/near-duplicates.ts';
import { searchStores } from '../../src/retrieval/search-modes.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { faissStoreFixture } from '../support/faiss-store-fixture.ts';

const { tempDir, open } = faissStoreFixture('docent-hybrid-');

const chunk = (id: string, text = `passage ${id} about something entirely its own`): ChunkRecord => ({ chunkId: id, documentId: id, documentName: `${id}.txt`, page: null, text, start: 0, end: text.length });
const cand = (id: string, similarity: number, lexicalScore?: number): Candidate => ({ ...chunk(id), score: similarity, similarity, ...(lexicalScore === undefined ? {} : { lexicalScore }) });

void test('RRF: a passage both searches rank well beats one only the dense search ranks first; scores in [0, 1]', () => {
  const fused = fuse([cand('dense-only', 0.9), cand('both', 0.85, 9), cand('lex-only', 0.2, 3), cand('neither', 0.1)], 'rrf');
  assert.equal(fused[0]!.chunkId, 'both');
  assert.ok(fused.every((h) => h.score > 0 && h.score <= 1));
  assert.ok(fused.every((h, i) => i === 0 || h.score <= fused[i - 1]!.score));
  assert.equal(fused.find((h) => h.chunkId === 'lex-only')!.similarity, 0.2, 'the cosine is kept for adaptive k');
  // Rank 1 in both lists is the best possible: 1.0.
  assert.equal(fuse([cand('x', 0.5, 1)], 'rrf')[0]!.score, 1);
});

void test('convex: normalised cosine and BM25 weighted half and half; a strong BM25 match can win', () => {
  const fused = fuse([cand('a', 0.8), cand('b', 0.7, 10), cand('c', 0.6, 1)], 'convex');
  assert.deepEqual(fused.map((h) => h.chunkId), ['b', 'a', 'c']);
  assert.ok(Math.abs(fused[0]!.score - (0.5 * 0.5 + 0.5 * 1)) < 1e-9);
  assert.equal(fused[1]!.score, 0.5);
});

void test('near-duplicates: the same paragraph in two documents is kept once (the better ranked); neighbours are kept', () => {
  const para = 'The council approved the new harbour budget on Tuesday after a long debate about ferry fares and pier repairs.';
  const hits = [
    chunk('a', para),
    chunk('b', `${para} Minutes follow.`),
    chunk('c', 'Ferry fares rise by ten percent next spring, the operator said, while repairs continue at the pier.'),
    chunk('d', `debate about ferry fares and pier repairs. ${'Other business of the evening concerned the school roof, the library hours and parking. '.repeat(2)}`),
  ];
  assert.ok(overlapCoefficient(shingles(hits[0]!.text), shingles(hits[1]!.text)) >= 0.8);
  assert.deepEqual(dropNearDuplicates(hits, 10).map((h) => h.chunkId), ['a', 'c', 'd']);
  assert.deepEqual(dropNearDuplicates(hits, 2).map((h) => h.chunkId), ['a', 'c'], 'k is filled from below the dropped copy');
});

void test('search modes over a store: lexical never embeds; hybrid finds a code only BM25 matches, with its cosine; duplicates dropped', async () => {
  const s = await open(await tempDir());
  const texts = [
    'Error XJ9000 means the pump lost pressure.',
    'The pump keeps water moving through the loop.',
    'Water pressure and the pump: how the loop works.',
    'Water pressure and the pump: how the loop works.',
    'Bread needs flour, water and time.',
  ];
  for (const [i, t] of texts.entries()) {
    const c = { ...chunk(`d${i}`, t), documentId: `d${i}`.padEnd(64, '0') };
    await s.addDocument([c], [hashEmbed(t)]);
  }
  const stores = [{ id: 'general', store: s }];
  let embeds = 0;
  const embed = (q: string) => () => {
    embeds++;
    return Promise.resolve(hashEmbed(q));
  };
  const lexical = await searchStores(stores, 'XJ9000', embed('XJ9000'), 3, { mode: 'lexical' });
  assert.equal(embeds, 0);
  assert.equal(lexical[0]!.chunkId, 'd0');
  assert.equal(lexical[0]!.similarity, undefined);

  const q = 'what does XJ9000 mean for the pump water pressure loop';
  const dense = await searchStores(stores, q, embed(q), 3, { mode: 'dense' });
  const hybrid = await searchStores(stores, q, embed(q), 3, { mode: 'hybrid' });
  assert.ok(hybrid.every((h) => typeof h.similarity === 'number'));
  assert.ok(hybrid.some((h) => h.chunkId === 'd0'), `hybrid finds the error code: ${hybrid.map((h) => h.chunkId).join(',')}`);
  for (const hits of [dense, hybrid]) {
    assert.ok(!(hits.some((h) => h.chunkId === 'd2') && hits.some((h) => h.chunkId === 'd3')), 'one copy of the duplicate paragraph');
    assert.equal(hits.length, 3);
  }
  assert.deepEqual(await searchStores(stores, '   ', embed(''), 3, { mode: 'hybrid' }), []);
});

void test('adaptive k works on the cosine in every mode that has one, and keeps all k in lexical mode', () => {
  const h = (id: string, score: number, extra: Partial<SearchHit> = {}): SearchHit => ({ ...chunk(id), score, ...extra });
  // Hybrid: fused scores close together, cosines far apart: the gap is taken on the cosine.
  const hybrid = [h('a', 0.9, { similarity: 0.8 }), h('b', 0.88, { similarity: 0.5 }), h('c', 0.85, { similarity: 0.75 })];
  assert.deepEqual(dropFarBelowBest(hybrid, 0.1).map((x) => x.chunkId), ['a', 'c']);
  // Hybrid, a passage far below on the cosine that BM25 found at least half as relevant as the
  // best lexical hit stays (both signals must agree to drop); one BM25 found weakly goes.
  const mixed = [
    h('a', 0.9, { similarity: 0.8, lexicalScore: 4 }),
    h('b', 0.7, { similarity: 0.5, lexicalScore: 10 }),
    h('c', 0.6, { similarity: 0.55, lexicalScore: 4.9 }),
    h('d', 0.5, { similarity: 0.75 }),
  ];
  assert.deepEqual(dropFarBelowBest(mixed, 0.1).map((x) => x.chunkId), ['a', 'b', 'd']);
  // Lexical: BM25 scores far apart, no cosine: nothing dropped.
  const lexical = [h('a', 12, { lexicalScore: 12 }), h('b', 2, { lexicalScore: 2 })];
  assert.equal(dropFarBelowBest(lexical, 0.1).length, 2);
  // Dense hits from a store (score is the cosine).
  assert.deepEqual(dropFarBelowBest([h('a', 0.8), h('b', 0.5)], 0.1).map((x) => x.chunkId), ['a']);
});
