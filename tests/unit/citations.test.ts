/**
 * Citations without models: the [n] parser (contracts/citations.ts), the lexical half of the
 * support rule (answer/citation-support.ts), the check's bookkeeping over sources with a stand-in
 * embedder (answer/citation-check.ts), and the new source fields through the reply contract and the
 * chat store. The rule with the real embedder: tests/model/citation-support.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCitations } from '../../src/answer/citation-check.ts';
import { contentTerms, lexicalOverlap, passageSentences, stem } from '../../src/answer/citation-support.ts';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import { answerReplySchema } from '../../src/contracts/answer.ts';
import { citationMarkers, citedSentences } from '../../src/contracts/citations.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import type { Source } from '../../src/contracts/source.ts';
import { FAKE_SOURCE, scriptedReplies } from '../support/fake-services.ts';

const cites = (answer: string) => citedSentences(answer).map((s) => [s.text, s.numbers]);

void test('markers: [1][2], [1, 2], ranges; each sentence cites what ends it', () => {
  assert.deepEqual(citationMarkers('a [1][2] b [1, 2; 3] c [2-4] d [9-99]').map((m) => m.numbers), [[1], [2], [1, 2, 3], [2, 3, 4], [9, 99]]);
  assert.deepEqual(cites('Normandy is in France [1][2]. It was founded in 911 [3, 4].'), [
    ['Normandy is in France.', [1, 2]],
    ['It was founded in 911.', [3, 4]],
  ]);
  // After the full stop, with or without a space; a marker opening the next sentence ends the one before.
  assert.deepEqual(cites('Normandy is in France.[1] Rollo led them. [2] Next one has none.'), [
    ['Normandy is in France.', [1]],
    ['Rollo led them.', [2]],
  ]);
  // A marker alone at the end of a paragraph cites that paragraph's last sentence.
  assert.deepEqual(cites('First point. Normandy is in France.\n[1]\n\nSecond paragraph.\n\n[2]'), [
    ['Normandy is in France.', [1]],
    ['Second paragraph.', [2]],
  ]);
  assert.deepEqual(cites('No citations here. None at all.'), []);
  assert.deepEqual(cites('Decimals like 3.5 stay in one sentence [1].'), [['Decimals like 3.5 stay in one sentence.', [1]]]);
});

void test('content words: stop words dropped, inflections meet, numbers and names weigh more', () => {
  assert.equal(stem('located'), stem('locates'));
  assert.equal(stem('stopped'), 'stop');
  const t = contentTerms('The Normans were founded in 911 by Rollo.');
  assert.equal(t.get('911'), 3);
  assert.equal(t.get(stem('rollo')), 2);
  assert.equal(t.get(stem('founded')), 1);
  assert.ok(!t.has('the') && !t.has('by') && !t.has('were'));
  // A wrong number loses more than a missing ordinary word.
  const passage = contentTerms('Rollo founded the duchy in 911.');
  assert.ok(lexicalOverlap(contentTerms('Rollo founded it in 911.'), passage) > lexicalOverlap(contentTerms('Rollo founded it in 1066.'), passage));
  assert.equal(lexicalOverlap(new Map(), passage), 0);
});

void test('passage sentences carry their ranges', () => {
  const text = 'The Normans came. They stayed in 3.5 places!\nNew line';
  const s = passageSentences(text);
  assert.deepEqual(s.map((x) => x.text), ['The Normans came.', 'They stayed in 3.5 places!', 'New line']);
  for (const x of s) assert.equal(text.slice(x.start, x.end), x.text);
});

/** A stand-in embedder: texts about cats point one way, everything else another. */
const embed = (texts: string[]) => Promise.resolve(texts.map((t) => (/\bcat\b/i.test(t) ? [1, 0] : [0, 1])));
const src = (n: number, text: string): Source => ({ ...FAKE_SOURCE, n, chunkId: `doc-1:${n}`, text });

void test('the check marks cited, supported, uncited (null), and names numbers without a source', async () => {
  const sources = [src(1, 'Lighthouses guide ships. The keeper feeds the cat at 6 pm.'), src(2, 'Ships carry coal to the harbour.'), src(3, 'Unused passage.')];
  const r = await checkCitations('The keeper feeds the cat at 6 pm [1]. The cat sleeps all day [2][7].', sources, embed);
  const [one, two, three] = r.sources;
  assert.deepEqual([one?.cited, one?.supported], [true, true]);
  assert.equal(sources[0]!.text.slice(one!.support!.start, one!.support!.end), 'The keeper feeds the cat at 6 pm.');
  assert.deepEqual([two?.cited, two?.supported], [true, false]);
  assert.deepEqual([three?.cited, three?.supported, three?.support], [false, null, undefined]);
  assert.deepEqual(r.unknown, [7]);
});

void test('a source is supported only if it supports every sentence citing it', async () => {
  const sources = [src(1, 'The keeper feeds the cat at 6 pm.')];
  const r = await checkCitations('The keeper feeds the cat at 6 pm [1]. Ships carry coal [1].', sources, embed);
  assert.deepEqual([r.sources[0]?.cited, r.sources[0]?.supported], [true, false]);
  const none = await checkCitations('No citations at all.', sources, () => Promise.reject(new Error('nothing to embed')));
  assert.deepEqual([none.sources[0]?.cited, none.sources[0]?.supported], [false, null]);
});

void test('a terse sentence is supported when one passage sentence holds all its words, whatever the embedding says', async () => {
  const sources = [src(1, 'Ships sail at dawn. Normandy is a region in France.')];
  const orthogonal = (texts: string[]) => Promise.resolve(texts.map((_, i) => (i === 0 ? [1, 0] : [0, 1])));
  const terse = await checkCitations('France [1].', sources, orthogonal);
  assert.equal(terse.sources[0]?.supported, true);
  assert.equal(sources[0]!.text.slice(terse.sources[0].support!.start, terse.sources[0].support!.end), 'Normandy is a region in France.');
  assert.equal((await checkCitations('Spain [1].', sources, orthogonal)).sources[0]?.supported, false);
  // Four content words are no longer terse: the combined score decides (and with cosine 0 it is low).
  assert.equal((await checkCitations('Normandy region France sail [1].', sources, orthogonal)).sources[0]?.supported, false);
});

void test('contract: the check fields round-trip on done; a source without them still parses', () => {
  const checked: Source = { ...FAKE_SOURCE, cited: true, supported: false, support: { start: 4, end: 20, score: 0.41 } };
  const uncited: Source = { ...FAKE_SOURCE, n: 2, chunkId: 'doc-1:1', cited: false, supported: null };
  const done = { ...scriptedReplies('a1')[3]!, sources: [checked, uncited, FAKE_SOURCE] };
  const parsed = answerReplySchema.parse(JSON.parse(JSON.stringify(done)));
  assert.ok(parsed.type === 'done');
  assert.deepEqual(parsed.sources, [checked, uncited, FAKE_SOURCE]);
  assert.equal(answerReplySchema.safeParse({ ...done, sources: [{ ...FAKE_SOURCE, supported: 'yes' }] }).success, false);
});

void test('chat store: a reloaded turn keeps the check; findSource prefers the answer named', () => {
  const s = new SqliteChatStore(':memory:');
  s.create({ id: 'c', question: 'q', settings: DEFAULT_SETTINGS }, 1);
  const checked: Source = { ...FAKE_SOURCE, cited: true, supported: true, support: { start: 4, end: 20, score: 0.8 } };
  for (const [turn, answerId, source] of [['t1', 'a1', checked], ['t2', 'a2', { ...FAKE_SOURCE, cited: true, supported: false }]] as const) {
    s.addTurn('c', { id: turn, answerId, question: 'q', settings: DEFAULT_SETTINGS }, 2);
    s.complete(turn, { ...(scriptedReplies(answerId)[3] as Extract<ReturnType<typeof scriptedReplies>[number], { type: 'done' }>), sources: [source] }, DEFAULT_SETTINGS, turn === 't1' ? 2 : 3);
  }
  assert.deepEqual(s.get('c')?.turns[0]?.sources, [checked]);
  assert.equal(s.findSource('doc-1', 'doc-1:0', undefined, 'a1')?.supported, true);
  assert.equal(s.findSource('doc-1', 'doc-1:0')?.supported, false, 'without an answer: the latest');
  s.close();
});
