/**
 * The lexical (BM25) index: queries built from hostile user text can never be FTS5 syntax, the
 * tokeniser (diacritics, stemming), title and section path taking part in matching, and the index
 * staying in step with the FAISS store through adds, replacement, deletes, saved versions, a
 * second reader instance reloading, and a version written before the lexical index existed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { ChunkRecord } from '../../src/ports/vector-store.ts';
import { ftsMatchQuery, searchTerms, MAX_QUERY_TERMS } from '../../src/retrieval/fts-query.ts';
import { LexicalIndex } from '../../src/retrieval/lexical-index.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { faissStoreFixture } from '../support/faiss-store-fixture.ts';

const { tempDir, open } = faissStoreFixture('docent-lexical-');

function doc(id: string, texts: string[], name = `${id}.txt`, headingPath: string | null = null): { chunks: ChunkRecord[]; vectors: number[][] } {
  const documentId = id.repeat(64).slice(0, 64);
  const chunks = texts.map((text, i) => ({ chunkId: `${documentId}:${i}`, documentId, documentName: name, page: null, text, start: 0, end: text.length, headingPath }));
  return { chunks, vectors: texts.map((t) => hashEmbed(t)) };
}

const HOSTILE = [
  'NEAR(', 'NEAR(harbour pier, 2)', '"', '"unbalanced', 'harbour*', '*', '-', '-harbour', 'harbour -pier', 'body:secret',
  'title:harbour', '{title body}: pier', '^harbour', 'harbour AND', 'OR OR OR', 'NOT', '()', ')(', "'); DROP TABLE chunks; --",
  'a + b', 'col:"x" NEAR/3', '\u0000\u0001', 'ÿ̈́'.repeat(3),
];

void test('hostile text becomes quoted plain words only; FTS5 never sees syntax and never throws', () => {
  for (const text of HOSTILE) {
    const q = ftsMatchQuery(text);
    if (q !== null) assert.match(q, /^"[\p{L}\p{N}\p{M}\p{Co}]+"( OR "[\p{L}\p{N}\p{M}\p{Co}]+")*$/u, `query for ${JSON.stringify(text)}: ${q}`);
  }
  assert.equal(ftsMatchQuery('NEAR(harbour pier, 2)'), '"near" OR "harbour" OR "pier" OR "2"');
  assert.equal(ftsMatchQuery('title:harbour -pier*'), '"title" OR "harbour" OR "pier"');
  assert.equal(ftsMatchQuery('What is the of and?'), null, 'stop words only: no lexical query');
  assert.equal(searchTerms(Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ')).length, MAX_QUERY_TERMS);

  const idx = LexicalIndex.build(doc('a', ['the harbour opens at six', 'ferries leave from the south pier', 'the secret is in the body']).chunks);
  try {
    for (const text of HOSTILE) assert.doesNotThrow(() => idx.search(text, 5), `search(${JSON.stringify(text)})`);
    // A column filter in the text is not a filter: "body:secret" matches the words anywhere.
    assert.deepEqual(idx.search('title:harbour', 5).map((m) => m.chunkId), [`${'a'.repeat(64)}:0`]);
    assert.equal(idx.search("'); DROP TABLE chunks; --", 5).length, 0);
    assert.equal(idx.size, 3, 'the table is still there');
    // "-pier" does not exclude: the pier passage is found.
    assert.ok(idx.search('harbour -pier', 5).some((m) => m.chunkId.endsWith(':1')));
  } finally {
    idx.close();
  }
});

void test('diacritics removed, Porter stemming, title and section path match; BM25 prefers the rarer word', () => {
  const idx = LexicalIndex.build([
    ...doc('a', ['We met at the café near the station.']).chunks,
    ...doc('b', ['The university was founded by monks.']).chunks,
    ...doc('c', ['Opening hours are listed below.'], 'Zanzibar_Ferry_Guide.pdf').chunks,
    ...doc('d', ['Run the installer and follow the steps.'], 'manual.md', 'Install > Linux').chunks,
    ...doc('e', ['The station clock and the station bell.', 'A quiet station with a lamp.']).chunks,
  ]);
  try {
    const top = (q: string) => idx.search(q, 5)[0]?.chunkId.slice(0, 1);
    assert.equal(top('cafe'), 'a');
    assert.equal(top('founding universities'), 'b');
    assert.equal(top('zanzibar ferry hours'), 'c', 'the title takes part in matching');
    assert.equal(top('linux install'), 'd', 'the section path takes part in matching');
    assert.equal(top('station lamp'), 'e');
    assert.ok(idx.search('station', 5).every((m, i, all) => i === 0 || m.score <= all[i - 1]!.score && m.score > 0));
  } finally {
    idx.close();
  }
});

void test('the lexical index stays in step with the store: add, replace, delete, save, a reader reloading, an old version', async () => {
  const dir = await tempDir();
  const writer = await open(dir);
  const text = (s: { searchText?: (t: string, k: number) => Promise<{ text: string; documentId: string }[]> }, q: string) => s.searchText!(q, 10);
  const harbour = doc('a', ['the harbour opens at six', 'ferries leave from the south pier']);
  const bakery = doc('b', ['sourdough starter with rye flour', 'bake the bread with steam']);
  await writer.addDocument(harbour.chunks, harbour.vectors);
  await writer.addDocument(bakery.chunks, bakery.vectors);
  assert.equal((await text(writer, 'sourdough'))[0]!.text, 'sourdough starter with rye flour', 'visible at once in the writer');
  await writer.save();
  const reader = await open(dir);
  assert.equal((await text(reader, 'ferries pier'))[0]!.text, 'ferries leave from the south pier', 'a second instance loads it with the version');

  // Replacing a document: its old text is gone from the lexical index, the new one is there.
  const bakery2 = doc('b', ['croissants with butter']);
  await writer.addDocument(bakery2.chunks, bakery2.vectors);
  assert.deepEqual(await text(writer, 'sourdough'), []);
  assert.equal((await text(writer, 'croissants'))[0]!.documentId, bakery2.chunks[0]!.documentId);
  // Deleting: gone from the writer at once, from the reader once it reloads the saved version.
  assert.equal(await writer.removeDocument(harbour.chunks[0]!.documentId), true);
  assert.deepEqual(await text(writer, 'ferries harbour'), []);
  const v2 = await writer.save();
  assert.equal((await text(reader, 'ferries'))[0]!.text, 'ferries leave from the south pier', 'the reader still serves its version');
  assert.equal(await reader.reload(), true);
  assert.deepEqual(await text(reader, 'ferries harbour'), []);
  assert.equal((await text(reader, 'croissants')).length, 1);
  assert.deepEqual(await text(reader, 'sourdough'), []);
  // The reader's lexical index was opened from the version file and is never written to.
  const file = path.join(dir, v2, 'lexical.sqlite');
  const before = (await fs.stat(file)).mtimeMs;
  const garden = doc('c', ['prune the roses in spring']);
  await reader.addDocument(garden.chunks, garden.vectors);
  assert.equal((await text(reader, 'roses'))[0]!.text, 'prune the roses in spring');
  assert.equal((await fs.stat(file)).mtimeMs, before, 'copy-on-write: the version file is unchanged');

  // A version written before the lexical index existed: built from its chunks on load.
  await fs.rm(file);
  const old = await open(dir);
  assert.equal((await text(old, 'croissants')).length, 1);
  assert.equal((await old.searchText!('roses', 5)).length, 0);
});

void test('similarities: the cosine of a query to chunks the store holds, others left out', async () => {
  const s = await open(await tempDir());
  const d = doc('a', ['the harbour opens at six', 'ferries leave from the south pier']);
  await s.addDocument(d.chunks, d.vectors);
  const sims = await s.similarities!(hashEmbed('ferries leave from the south pier'), [d.chunks[1]!.chunkId, d.chunks[0]!.chunkId, 'nope']);
  assert.equal(sims.size, 2);
  assert.ok(Math.abs(sims.get(d.chunks[1]!.chunkId)! - 1) < 1e-5);
  assert.ok(sims.get(d.chunks[0]!.chunkId)! < 0.9);
});

void test('German, Spanish and French words match with or without their accents; ß and œ are letters of their own, compounds one word', () => {
  const idx = LexicalIndex.build([
    ...doc('a', ['Herr Müller wohnt in der Hauptstraße.']).chunks,
    ...doc('b', ['El corazón de la ciudad.']).chunks,
    ...doc('c', ["L'élève lit une œuvre de Molière."]).chunks,
    ...doc('d', ['Die Bartholomäusnacht war der Höhepunkt der Verfolgung.']).chunks,
    ...doc('e', ['Mehrstufige Kreiselpumpen im Kessel.']).chunks,
  ]);
  try {
    const top = (q: string) => idx.search(q, 5)[0]?.chunkId.slice(0, 1);
    for (const [q, want] of [['Muller', 'a'], ['MÜLLER', 'a'], ['corazon', 'b'], ['eleve', 'c'], ['Moliere', 'c'], ['Bartholomausnacht', 'd'], ['Hauptstraße', 'a']]) {
      assert.equal(top(q!), want, q);
    }
    // unicode61 folds diacritics only: "ss" for ß and "oe" for œ are other words.
    assert.equal(top('Hauptstrasse'), undefined);
    assert.equal(top('oeuvre'), undefined);
    // Words, not parts of words: a German compound is one word.
    assert.equal(top('Kreiselpumpen'), 'e');
    assert.equal(top('Pumpe'), undefined);
  } finally {
    idx.close();
  }
});
