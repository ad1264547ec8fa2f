import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropFarBelowBest } from '../../src/answer/adaptive-k.ts';
import { compactingRetriever, compactPassages } from '../../src/answer/compact-passages.ts';
import { mergeOverlappingHits } from '../../src/answer/passage-merge.ts';
import { buildPrompt } from '../../src/answer/prompt.ts';
import { contentStems, sentenceRanges, trimToQuestion } from '../../src/answer/sentence-trim.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';

// A page whose chunks are exact slices of it, as the chunker guarantees.
const PAGE = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} of the page.`).join(' ');
const chunk = (id: string, start: number, end: number, score: number, over: Partial<SearchHit> = {}): SearchHit => ({
  chunkId: id,
  documentId: 'doc-a',
  documentName: 'a.txt',
  page: null,
  text: PAGE.slice(start, end),
  start,
  end,
  score,
  headingPath: null,
  ...over,
});

test('merge: two overlapping neighbours become one passage, the overlap sent once', () => {
  const merged = mergeOverlappingHits([chunk('c2', 300, 600, 0.7), chunk('c1', 0, 350, 0.9)]);
  assert.equal(merged.length, 1);
  const m = merged[0]!;
  assert.equal(m.text, PAGE.slice(0, 600), 'the text is the page over the union, overlap once');
  assert.deepEqual([m.start, m.end], [0, 600]);
  assert.equal(m.chunkId, 'c2', 'keeps the best-ranked member\'s id (the link the UI opens)');
  assert.equal(m.score, 0.9, 'scores as its best member');
});

test('merge: three-way overlap, a contained chunk, and rank order of the result', () => {
  const hits = [
    chunk('other', 1000, 1200, 0.95),
    chunk('c3', 500, 800, 0.9),
    chunk('c1', 0, 300, 0.8),
    chunk('c2', 250, 550, 0.7),
    chunk('inside', 520, 560, 0.6),
  ];
  const merged = mergeOverlappingHits(hits);
  assert.deepEqual(merged.map((h) => h.chunkId), ['other', 'c3']);
  assert.equal(merged[1]!.text, PAGE.slice(0, 800));
  assert.deepEqual([merged[1]!.start, merged[1]!.end], [0, 800]);
  assert.equal(merged[0]!.text, PAGE.slice(1000, 1200), 'a chunk with a gap before it is left alone');
});

test('merge: chunks of different documents or pages are never merged, touching ranges are', () => {
  const hits = [
    chunk('a1', 0, 300, 0.9),
    chunk('b1', 200, 500, 0.8, { documentId: 'doc-b', documentName: 'b.txt' }),
    chunk('a-p2', 250, 400, 0.7, { page: 2 }),
    chunk('a2', 300, 450, 0.6),
  ];
  const merged = mergeOverlappingHits(hits);
  assert.deepEqual(merged.map((h) => h.chunkId), ['a1', 'b1', 'a-p2']);
  assert.equal(merged[0]!.text, PAGE.slice(0, 450), 'a chunk starting where the other ends is joined');
  assert.equal(merged[1]!.text, PAGE.slice(200, 500));
  assert.deepEqual(mergeOverlappingHits([]), []);
});

test('adaptive k: drops passages far below the best, keeps at least one', () => {
  const hits = [chunk('a', 0, 10, 0.8), chunk('b', 10, 20, 0.75), chunk('c', 20, 30, 0.6)];
  assert.deepEqual(dropFarBelowBest(hits, 0.1).map((h) => h.chunkId), ['a', 'b']);
  assert.deepEqual(dropFarBelowBest(hits, 0).map((h) => h.chunkId), ['a'], 'a zero gap keeps the best');
  assert.deepEqual(dropFarBelowBest(hits, 1).map((h) => h.chunkId), ['a', 'b', 'c']);
  assert.deepEqual(dropFarBelowBest([chunk('only', 0, 10, -0.2)], 0.05).map((h) => h.chunkId), ['only']);
  assert.deepEqual(dropFarBelowBest([], 0.1), []);
});

const PASSAGE = [
  'The Normans were a people of northern France.',
  'They gave their name to Normandy.',
  'Rollo, their first ruler, swore fealty to King Charles III in 911.',
  'In return he was granted lands along the Seine.',
  'The Normans later conquered England in 1066.',
  'Their castles still stand across the region.',
  'Norman architecture is known for its round arches.',
  'The Norman language survives in the Channel Islands.',
].join(' ');

test('trim: keeps the sentences with the question\'s words and their neighbours, within the passage', () => {
  const t = trimToQuestion(PASSAGE, 'To which king did Rollo swear fealty?');
  assert.ok(t.text.includes('Rollo, their first ruler, swore fealty to King Charles III in 911.'));
  assert.ok(t.text.includes('They gave their name to Normandy.'), 'the sentence before the best one');
  assert.ok(t.text.includes('In return he was granted lands along the Seine.'), 'the sentence after it');
  assert.ok(!t.text.includes('round arches'), 'unrelated sentences go');
  assert.ok(t.text.length < PASSAGE.length * 0.8);
  let last = 0;
  for (const [s, e] of t.ranges) {
    assert.ok(s >= last && e > s && e <= PASSAGE.length, 'ranges in order, inside the passage');
    last = e;
  }
  assert.equal(t.text, t.ranges.map(([s, e]) => PASSAGE.slice(s, e)).join(' … '));
});

test('trim: a topic word every sentence repeats does not keep every sentence', () => {
  const t = trimToQuestion(PASSAGE, 'Where does the Norman language survive?');
  assert.ok(t.text.includes('The Norman language survives in the Channel Islands.'));
  assert.ok(!t.text.includes('Rollo'), 'sentences holding only "Norman" are left out');
});

test('trim: no shared word keeps the first sentence; nothing to save keeps the whole passage', () => {
  assert.equal(trimToQuestion(PASSAGE, 'What is quantum chromodynamics?').text, 'The Normans were a people of northern France.');
  const short = 'Rollo ruled. Rollo swore fealty.';
  assert.equal(trimToQuestion(short, 'Who swore fealty?').text, short, 'two sentences, both needed: whole');
  assert.equal(trimToQuestion('  One sentence only  ', 'anything').text, 'One sentence only');
});

test('sentences and content words', () => {
  assert.deepEqual(sentenceRanges('A b. C d?\nE "f." G').map(([s, e]) => 'A b. C d?\nE "f." G'.slice(s, e)), ['A b.', 'C d?', 'E "f."', 'G']);
  assert.deepEqual([...contentStems('What did the Normans conquer in 1066?')].sort(), ['1066', 'conque', 'norman']);
});

test('compaction: each step switchable; the prompt shows the excerpt, the source keeps the whole passage', () => {
  const hits = [chunk('c1', 0, 300, 0.9), chunk('c2', 250, 550, 0.85), chunk('far', 1000, 1300, 0.5)];
  const off = { mergeOverlaps: false, maxScoreGap: null, trimSentences: false };
  assert.deepEqual(compactPassages(hits, 'q', off), hits, 'all off: unchanged');
  assert.equal(compactPassages(hits, 'q', { ...off, maxScoreGap: 0.1 }).length, 2);
  assert.equal(compactPassages(hits, 'q', { ...off, mergeOverlaps: true }).length, 2);
  const trimmed = compactPassages(hits, 'Which page holds sentence number 3?', { ...off, trimSentences: true });
  assert.equal(trimmed.length, 3);
  const first = trimmed[0]!;
  assert.equal(first.text, hits[0]!.text, 'the source text is unchanged');
  assert.ok(first.excerpt !== undefined && first.excerpt.includes('Sentence number 3 of the page.'));
  const p = buildPrompt({ question: 'q', hits: [first], contextSize: 4096, maxTokens: 64, countTokens: (t) => t.length });
  const user = p.messages.at(-1)!.content;
  assert.ok(user.includes(first.excerpt), 'the model sees the excerpt');
  assert.ok(!user.includes('Sentence number 0 of'), 'not the whole passage');
  assert.equal(p.used[0]!.text, first.text);
});

test('stable prefix: the system prompt comes first and is the same for every question; history and passages after it', () => {
  const history = [{ question: 'Earlier?', answer: 'Earlier answer.' }];
  const a = buildPrompt({ question: 'First?', hits: [chunk('c1', 0, 100, 0.9)], contextSize: 4096, maxTokens: 64, countTokens: (t) => t.length });
  const b = buildPrompt({ question: 'Second?', hits: [chunk('c9', 900, 1000, 0.5)], history, contextSize: 4096, maxTokens: 64, countTokens: (t) => t.length });
  assert.equal(a.messages[0]!.role, 'system');
  assert.deepEqual(a.messages[0], b.messages[0], 'the same first message: its KV cache is reused');
  assert.ok(!a.messages[0]!.content.includes('First?') && !a.messages[0]!.content.includes(PAGE.slice(0, 20)));
  assert.deepEqual(b.messages.slice(1).map((m) => m.role), ['user', 'assistant', 'user']);
  assert.ok(b.messages.at(-1)!.content.includes('Sources:'));
});

test('trim: a passage matching much less well than the best one keeps its best sentence only', () => {
  const strong = { ...chunk('strong', 0, 10, 0.9), text: PASSAGE, end: PASSAGE.length };
  const weakText = 'Kings ruled many lands. Some of them swore oaths. Rivers crossed the plains. Farmers grew wheat there.';
  const weak = { ...chunk('weak', 5000, 5100, 0.8), documentId: 'doc-w', text: weakText };
  const out = compactPassages([strong, weak], 'To which king did Rollo swear fealty?', { mergeOverlaps: false, maxScoreGap: null, trimSentences: true });
  assert.ok(out[0]!.excerpt!.includes('They gave their name to Normandy.'), 'the best passage keeps the neighbours of its best sentence');
  assert.equal(out[1]!.excerpt, 'Kings ruled many lands.', 'the weak one: its one best sentence');
  assert.equal(out[1]!.text, weakText);
});

test('the compacting retriever searches the collections it is asked to, not all of them', async () => {
  const asked: Array<readonly string[] | undefined> = [];
  const inner = {
    search: (_query: string, _k: number, collections?: readonly string[]): Promise<SearchHit[]> => {
      asked.push(collections);
      return Promise.resolve([]);
    },
  };
  const retriever = compactingRetriever(inner, { mergeOverlaps: true, maxScoreGap: null, trimSentences: false });
  await retriever.search('when does the ferry leave', 4, ['manuals']);
  await retriever.search('when does the ferry leave', 4);
  assert.deepEqual(asked, [['manuals'], undefined]);
});
