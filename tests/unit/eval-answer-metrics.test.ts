/** Answer scoring for `npm run eval:answers`: SQuAD normalisation, gold match, refusals, the fixed sample, citations. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOT_FOUND_ANSWER } from '../../src/answer/prompt.ts';
import { isRefusal, matchesGold, normaliseAnswer, sampleQuestions, scoreAnswers, scoreCitations } from '../../src/eval/answer-metrics.ts';
import type { Source } from '../../src/contracts/source.ts';
import type { SquadQuestion } from '../../src/eval/squad-set.ts';

const q = (id: number, impossible: boolean, answers: string[] = []): SquadQuestion => ({ id: String(id), question: `q${id}`, answers, impossible, doc: 'd.txt', paragraph: 0, span: [0, 1] });

void test('normalisation drops case, punctuation and articles', () => {
  assert.equal(normaliseAnswer('The  Normans, in 1066!'), 'normans in 1066');
});

void test('a gold answer matches as whole words only', () => {
  assert.ok(matchesGold('It was founded by the Normans [1].', ['Normans']));
  assert.ok(matchesGold('In 1066.', ['1066', 'the year 1066']));
  assert.equal(matchesGold('Normandy was named after them.', ['Norman']), false);
  assert.equal(matchesGold('Anything', ['']), false);
});

void test('refusals: the prompt sentence and common phrasings, not an ordinary answer', () => {
  assert.ok(isRefusal(NOT_FOUND_ANSWER));
  assert.ok(isRefusal("The sources don't contain that."));
  assert.ok(isRefusal('There is no information about this in the documents.'));
  assert.equal(isRefusal('The castle was found in 1120 [2].'), false);
});

void test('the sample takes every n-th question in file order and scores both kinds', () => {
  const all = Array.from({ length: 10 }, (_, i) => q(i, i % 3 === 0, ['x']));
  assert.deepEqual(sampleQuestions(all, 5).map((x) => x.id), ['0', '2', '4', '6', '8']);
  const s = scoreAnswers([
    { q: q(1, false, ['paris']), answer: 'Paris [1].' },
    { q: q(2, false, ['rome']), answer: NOT_FOUND_ANSWER },
    { q: q(3, true), answer: NOT_FOUND_ANSWER },
    { q: q(4, true), answer: 'Berlin.' },
  ]);
  assert.deepEqual(s, { answerable: 2, impossible: 2, answerMatch: 0.5, refusalOnImpossible: 0.5, refusalOnAnswerable: 0.5 });
});

void test('citations: precision of cited passages, answers citing anything, unsupported share', () => {
  const src = (n: number, text: string, supported?: boolean | null): Source => ({ n, documentId: 'd', documentName: 'd', page: null, text, score: 1, chunkId: `d:${n}`, ...(supported === undefined ? {} : { cited: supported !== null, supported }) });
  const c = scoreCitations([
    // Cites [1] (holds the answer) and [2] (does not); [3] is not cited, [7] names no source.
    { q: q(1, false, ['paris']), answer: 'Paris [1][2]. Also [7].', sources: [src(1, 'The capital is Paris.', true), src(2, 'Rome is old.', false), src(3, 'Paris again.', null)] },
    { q: q(2, false, ['rome']), answer: 'Rome.', sources: [src(1, 'Rome.', null)] },
    { q: q(3, true), answer: 'Berlin [1].', sources: [src(1, 'Berlin is big.', false)] },
  ]);
  assert.deepEqual(c, { citedSources: 3, citationPrecision: 0.5, answersWithCitation: 0.5, unsupportedCitations: 2 / 3, checked: 1 });
  assert.deepEqual(scoreCitations([{ q: q(1, false, ['x']), answer: 'x', sources: [] }]), { citedSources: 0, citationPrecision: null, answersWithCitation: 0, unsupportedCitations: null, checked: null });
});
