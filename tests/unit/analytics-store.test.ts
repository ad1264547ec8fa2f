// The SQLite analytics store: idempotent by event id, offsets in the same transaction, and the
// summary's numbers on known data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { QaEvent, VoteEvent } from '../../src/contracts/analytics.ts';
import { analyticsSummarySchema } from '../../src/contracts/analytics-summary.ts';
import { LATENCY_RELATIVE_ERROR } from '../../src/analytics/buckets.ts';
import { analyticsDbPath, openAnalyticsStore, type QaSentiment } from '../../src/analytics/store.ts';
import { NEUTRAL as neutral, qaFixture, voteFixture, withMemoryStore as withStore } from '../support/analytics-fixtures.ts';

const NOW = 1_700_000_000_000;
const MIN = 60_000;

function qa(n: number, over: Partial<QaEvent> = {}): QaEvent {
  return qaFixture(n, {
    model: 'test-model',
    worker: 'w-1',
    timings: { queueWaitMs: n, retrievalMs: 10 * n, firstTokenMs: 100 * n, generationMs: 1000, totalMs: 1000 + 100 * n },
    tokens: { prompt: 100, completion: 20 * n },
    at: NOW - MIN,
    ...over,
  });
}

const vote = (eventId: string, answerId: string, v: 'up' | 'down', at = NOW): VoteEvent => voteFixture(eventId, answerId, v, at);

const scored = (q: number, a: number): QaSentiment => ({ question: { score: q * 2, comparative: q }, answer: { score: a * 2, comparative: a } });

void test('the same qa event twice counts once', () => {
  withStore((store) => {
    assert.equal(store.recordQa(qa(1), neutral), true);
    assert.equal(store.recordQa(qa(1), neutral), false);
    assert.equal(store.summary('all', NOW).answers, 1);
  });
});

void test('a second qa event for the same answer id is ignored: the first answer stays', () => {
  withStore((store) => {
    store.recordQa(qa(1), neutral);
    assert.equal(store.recordQa(qa(1, { eventId: 'qa-1-retry', answer: 'other text' }), neutral), false);
    const s = store.summary('all', NOW);
    assert.equal(s.answers, 1);
    assert.equal(s.recent[0]?.answer, 'answer 1');
  });
});

void test('a re-vote replaces the earlier vote; an older vote arriving late does not', () => {
  withStore((store) => {
    store.recordQa(qa(1), neutral);
    assert.equal(store.recordVote(vote('v-1', 'a-1', 'up', NOW - 3 * MIN)), true);
    assert.deepEqual(store.summary('all', NOW).votes, { up: 1, down: 0 });
    store.recordVote(vote('v-2', 'a-1', 'down', NOW - 2 * MIN));
    assert.deepEqual(store.summary('all', NOW).votes, { up: 0, down: 1 });
    // Out of order: an earlier vote delivered after the later one is applied but loses.
    assert.equal(store.recordVote(vote('v-0', 'a-1', 'up', NOW - 4 * MIN)), true);
    const s = store.summary('all', NOW);
    assert.deepEqual(s.votes, { up: 0, down: 1 });
    assert.equal(s.recent[0]?.vote, 'down');
  });
});

void test('a replayed vote event counts once', () => {
  withStore((store) => {
    store.recordQa(qa(1), neutral);
    store.recordVote(vote('v-1', 'a-1', 'up', NOW - 3 * MIN));
    store.recordVote(vote('v-2', 'a-1', 'down', NOW - 2 * MIN));
    // Replaying the whole topic (v-1 then v-2) changes nothing and reports duplicates.
    assert.equal(store.recordVote(vote('v-1', 'a-1', 'up', NOW - 3 * MIN)), false);
    assert.equal(store.recordVote(vote('v-2', 'a-1', 'down', NOW - 2 * MIN)), false);
    assert.deepEqual(store.summary('all', NOW).votes, { up: 0, down: 1 });
  });
});

void test('offsets are recorded with the event, also for duplicates, and never move backwards', () => {
  withStore((store) => {
    store.recordQa(qa(1), neutral, { topic: 'qa', partition: 0, offset: '41' });
    store.recordQa(qa(1), neutral, { topic: 'qa', partition: 0, offset: '42' });
    store.recordVote(vote('v-1', 'a-1', 'up'), { topic: 'votes', partition: 2, offset: '9007199254740993' });
    store.recordOffset({ topic: 'qa', partition: 0, offset: '7' });
    assert.deepEqual(store.offsets(), [
      { topic: 'qa', partition: 0, offset: '42' },
      { topic: 'votes', partition: 2, offset: '9007199254740993' },
    ]);
  });
});

void test('event and offset are one transaction: a failing write leaves neither', () => {
  withStore((store) => {
    // An offset that is not a number makes the offset write throw after the event was inserted.
    assert.throws(() => store.recordQa(qa(1), neutral, { topic: 'qa', partition: 0, offset: 'not-a-number' }));
    assert.equal(store.summary('all', NOW).answers, 0);
    assert.deepEqual(store.offsets(), []);
    // The event id was not claimed either: the retry stores it.
    assert.equal(store.recordQa(qa(1), neutral, { topic: 'qa', partition: 0, offset: '0' }), true);
    assert.equal(store.summary('all', NOW).answers, 1);
  });
});

void test('percentiles are nearest-rank per stage on known data, within the histogram bin error', () => {
  withStore((store) => {
    for (let n = 1; n <= 10; n++) store.recordQa(qa(n), neutral);
    const { latencyMs } = store.summary('all', NOW);
    // Stage values are n, 10n, 100n, 1000, 1000 + 100n for n = 1..10: p50 = rank 5, p95 = rank 10.
    const near = (got: number | null, want: number) =>
      assert.ok(got !== null && Math.abs(got - want) <= want * LATENCY_RELATIVE_ERROR + 0.1, `${got} not within a bin of ${want}`);
    near(latencyMs.queueWait.p50, 5);
    near(latencyMs.retrieval.p50, 50);
    near(latencyMs.firstToken.p50, 500);
    near(latencyMs.total.p50, 1500);
    near(latencyMs.queueWait.p95, 10);
    near(latencyMs.retrieval.p95, 100);
    near(latencyMs.firstToken.p95, 1000);
    near(latencyMs.total.p95, 2000);
    // One value for all answers is exact: the bin's middle is clamped to the min and max seen.
    assert.deepEqual(latencyMs.generation, { p50: 1000, p95: 1000 });
  });
});

void test('percentiles of a single answer are that answer; of none, null', () => {
  withStore((store) => {
    assert.deepEqual(store.summary('all', NOW).latencyMs.total, { p50: null, p95: null });
    store.recordQa(qa(3), neutral);
    assert.deepEqual(store.summary('all', NOW).latencyMs.total, { p50: 1300, p95: 1300 });
  });
});

void test('satisfaction is up / (up + down), null without votes', () => {
  withStore((store) => {
    for (let n = 1; n <= 4; n++) store.recordQa(qa(n), neutral);
    assert.equal(store.summary('all', NOW).satisfaction, null);
    store.recordVote(vote('v-1', 'a-1', 'up'));
    store.recordVote(vote('v-2', 'a-2', 'up'));
    store.recordVote(vote('v-3', 'a-3', 'up'));
    store.recordVote(vote('v-4', 'a-4', 'down'));
    const s = store.summary('all', NOW);
    assert.deepEqual(s.votes, { up: 3, down: 1 });
    assert.equal(s.satisfaction, 0.75);
  });
});

void test('means of sentiment and tokens per second', () => {
  withStore((store) => {
    store.recordQa(qa(1), scored(0.5, -0.25)); // 20 tokens in 1 s
    store.recordQa(qa(2), scored(-0.1, 0.75)); // 40 tokens in 1 s
    store.recordQa(qa(3, { timings: { ...qa(3).timings, generationMs: 0 } }), scored(0.2, 0)); // not measurable
    const s = store.summary('all', NOW);
    assert.ok(Math.abs((s.sentiment.question ?? NaN) - 0.2) < 1e-9, `question mean ${s.sentiment.question}`);
    assert.ok(Math.abs((s.sentiment.answer ?? NaN) - 0.5 / 3) < 1e-9, `answer mean ${s.sentiment.answer}`);
    assert.equal(s.tokensPerSecond, 30);
  });
});

void test('ranges select answers by answer time, and votes follow their answers', () => {
  withStore((store) => {
    const ages = { h: 30 * MIN, d: 5 * 60 * MIN, w: 3 * 24 * 60 * MIN, old: 30 * 24 * 60 * MIN };
    Object.entries(ages).forEach(([name, age], i) => store.recordQa(qa(i + 1, { answerId: name, at: NOW - age }), neutral));
    // The vote on the week-old answer was cast just now: it still belongs to the week range.
    store.recordVote(vote('v-w', 'w', 'down', NOW));
    store.recordVote(vote('v-h', 'h', 'up', NOW));
    const count = (r: 'hour' | 'day' | 'week' | 'all') => store.summary(r, NOW);
    assert.equal(count('hour').answers, 1);
    assert.equal(count('day').answers, 2);
    assert.equal(count('week').answers, 3);
    assert.equal(count('all').answers, 4);
    assert.deepEqual(count('hour').votes, { up: 1, down: 0 });
    assert.deepEqual(count('day').votes, { up: 1, down: 0 });
    assert.deepEqual(count('week').votes, { up: 1, down: 1 });
    assert.equal(count('week').satisfaction, 0.5);
    const empty = store.summary('hour', NOW + 365 * 24 * 60 * MIN);
    assert.equal(empty.answers, 0);
    assert.equal(empty.sentiment.question, null);
    assert.equal(empty.tokensPerSecond, null);
    assert.deepEqual(empty.recent, []);
  });
});

void test('recent lists the 20 newest answers with their vote, newest first, in the contract shape', () => {
  withStore((store) => {
    for (let n = 1; n <= 25; n++) store.recordQa(qa(n, { at: NOW - (30 - n) * MIN }), scored(0.1, 0.2));
    store.recordVote(vote('v-25', 'a-25', 'up'));
    const s = store.summary('all', NOW);
    assert.equal(s.recent.length, 20);
    assert.equal(s.recent[0]?.answerId, 'a-25');
    assert.equal(s.recent[0]?.vote, 'up');
    assert.equal(s.recent[1]?.vote, null);
    assert.equal(s.recent[19]?.answerId, 'a-6');
    assert.deepEqual(s.recent[0], {
      answerId: 'a-25', question: 'question 25', answer: 'answer 25', vote: 'up', totalMs: 3500,
      questionSentiment: 0.1, answerSentiment: 0.2, worker: 'w-1', at: NOW - 5 * MIN, channel: null,
    });
    analyticsSummarySchema.parse(s);
  });
});

void test('recent answers carry the channel their question came from; events without one have none (web)', () => {
  withStore((store) => {
    store.recordQa(qa(1, { at: NOW - 3 * MIN, channel: 'openai' }), neutral);
    store.recordQa(qa(2, { at: NOW - 2 * MIN, channel: 'api' }), neutral);
    store.recordQa(qa(3, { at: NOW - 1 * MIN }), neutral);
    assert.deepEqual(store.summary('all', NOW).recent.map((r) => [r.answerId, r.channel]), [['a-3', null], ['a-2', 'api'], ['a-1', 'openai']]);
  });
});

void test('scored-publish bookkeeping: pending after store, not after mark, never for an ignored event', () => {
  withStore((store) => {
    store.recordQa(qa(1), neutral);
    assert.equal(store.scoredPending('qa-1'), true);
    store.markScoredPublished('qa-1');
    assert.equal(store.scoredPending('qa-1'), false);
    store.recordQa(qa(1, { eventId: 'qa-1b' }), neutral);
    assert.equal(store.scoredPending('qa-1b'), false);
  });
});

void test('a file store uses WAL, keeps its data across reopen, and close is idempotent', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-analytics-'));
  try {
    const file = analyticsDbPath(path.join(dir, 'nested'));
    const first = openAnalyticsStore(file);
    first.recordQa(qa(1), neutral, { topic: 'qa', partition: 1, offset: '5' });
    first.close();
    first.close();
    const mode = new Database(file, { readonly: true });
    assert.equal(mode.pragma('journal_mode', { simple: true }), 'wal');
    mode.close();
    const again = openAnalyticsStore(file);
    assert.equal(again.recordQa(qa(1), neutral), false);
    assert.equal(again.summary('all', NOW).answers, 1);
    assert.deepEqual(again.offsets(), [{ topic: 'qa', partition: 1, offset: '5' }]);
    again.check();
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('a batch is one transaction: duplicates count once, offsets are the highest per partition', () => {
  withStore((store) => {
    const o = (topic: string, partition: number, offset: string) => ({ topic, partition, offset });
    const fresh = store.applyBatch([
      { kind: 'qa', event: qa(1), scored: neutral, offset: o('qa', 0, '10') },
      { kind: 'qa', event: qa(1), scored: neutral, offset: o('qa', 0, '11') },
      { kind: 'vote', event: vote('v-1', 'a-1', 'up'), offset: o('votes', 1, '3') },
      { kind: 'vote', event: vote('v-1', 'a-1', 'up'), offset: o('votes', 1, '4') },
      { kind: 'offset', offset: o('qa', 0, '12') },
      { kind: 'qa', event: qa(2), scored: neutral, offset: o('qa', 2, '5') },
    ]);
    assert.equal(fresh, 3);
    assert.equal(store.processedEvents(), 3);
    assert.equal(store.offset('qa', 0), '12');
    assert.equal(store.offset('votes', 1), '4');
    assert.equal(store.offset('qa', 1), undefined);
    // A failing item (an offset that is not a number) rolls back the whole batch.
    assert.throws(() => store.applyBatch([
      { kind: 'qa', event: qa(3), scored: neutral, offset: o('qa', 2, '6') },
      { kind: 'qa', event: qa(4), scored: neutral, offset: o('qa', 1, 'not-a-number') },
    ]));
    assert.equal(store.summary('all', NOW).answers, 2);
    assert.equal(store.offset('qa', 2), '5');
    store.markScoredPublishedMany(['qa-1', 'qa-2']);
    assert.equal(store.scoredPending('qa-1'), false);
  });
});
