// Lexical sentiment (AFINN-165 through the `sentiment` package): what the numbers mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreSentiment } from '../../src/analytics/sentiment.ts';
import { tokensPerSecond } from '../../src/analytics/throughput.ts';

void test('a positive text scores above a negative one', () => {
  const good = scoreSentiment('Thanks, this answer is great and very helpful');
  const bad = scoreSentiment('This answer is terrible and useless, I hate it');
  assert.ok(good.score > 0, `positive score ${good.score}`);
  assert.ok(bad.score < 0, `negative score ${bad.score}`);
  assert.ok(good.comparative > bad.comparative);
});

void test('comparative is the summed word scores divided by the number of words', () => {
  // AFINN: good = 3, great = 3; "the" and "docs" are not in the list.
  const s = scoreSentiment('the docs good great');
  assert.equal(s.score, 6);
  assert.equal(s.comparative, 6 / 4);
});

void test('comparative does not grow with length, the score does', () => {
  const short = scoreSentiment('good');
  const long = scoreSentiment('good good good good');
  assert.equal(long.score, 4 * short.score);
  assert.equal(long.comparative, short.comparative);
});

void test('words AFINN does not list score 0: it is lexical sentiment, not satisfaction', () => {
  assert.deepEqual(scoreSentiment('the answer was slow'), { score: 0, comparative: 0 });
});

void test('negation flips a word', () => {
  assert.ok(scoreSentiment('not good').score < 0);
});

void test('empty text scores 0 and never NaN', () => {
  assert.deepEqual(scoreSentiment(''), { score: 0, comparative: 0 });
});

void test('tokens per second uses generation time only, null when not measurable', () => {
  assert.equal(tokensPerSecond(50, 2000), 25);
  assert.equal(tokensPerSecond(50, 0), null);
  assert.equal(tokensPerSecond(0, 1000), null);
});
