/**
 * Answers with a source the prompt-injection guard flagged, in analytics: qa events consumed by the
 * real consumer into the real store count them per answer (how many sources) and per bucket (answers
 * with at least one), so the summary gives "answers with a flagged source" under the same filters as
 * its other counts (period, collection, user); the export rows and the CSV carry `flagged sources`;
 * the analytics process's HTTP reader passes the count on; a version 6 file is migrated in place with
 * its answers read as having none.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { startAnalyticsConsumer } from '../../src/analytics/consumer.ts';
import { answersCsv } from '../../src/analytics/csv.ts';
import { createHttpAnalyticsReader } from '../../src/analytics/http-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { userScope } from '../../src/contracts/analytics-scope.ts';
import type { QaEvent } from '../../src/contracts/analytics.ts';
import { TOPICS } from '../../src/contracts/names.ts';
import { logger } from '../../src/log.ts';
import { NEUTRAL as neutral, qaFixture, servedAnalyticsStore, voteFixture, withMigratedStore } from '../support/analytics-fixtures.ts';

const NOW = Date.now();
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Every summary is read one minute after NOW. */
const AT = NOW + MIN;

type Src = QaEvent['sources'][number];
const source = (documentId: string, flagged = false): Src => ({ documentId, documentName: `${documentId}.pdf`, page: 1, ...(flagged ? { flagged: true } : {}) });

/**
 * a-1 (manuals, u1) one of two sources flagged; a-2 (u1) two flagged; a-3 (manuals, u2) none;
 * a-4 (u2, 3 h ago) one; a-5 just inside the day (the raw edge of the range) one; a-6 two days ago one.
 */
const EVENTS: QaEvent[] = [
  qaFixture(1, { at: NOW - MIN, collections: ['manuals'], userId: 'u1', sources: [source('guide'), source('evil', true)] }),
  qaFixture(2, { at: NOW - 2 * MIN, userId: 'u1', sources: [source('evil', true), source('worse', true)] }),
  qaFixture(3, { at: NOW - 3 * MIN, collections: ['manuals'], userId: 'u2', sources: [source('guide')] }),
  qaFixture(4, { at: NOW - 3 * HOUR, userId: 'u2', sources: [source('evil', true)] }),
  qaFixture(5, { at: AT - 24 * HOUR + 1, sources: [source('evil', true)] }),
  qaFixture(6, { at: NOW - 48 * HOUR, sources: [source('evil', true)] }),
];

function fill(store: AnalyticsStore): void {
  for (const e of EVENTS) store.recordQa(e, neutral);
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the consumer and the store count flagged sources', () => {
  void test('per answer and per period, collection and user; a redelivered event is not counted twice', async () => {
    const events = createMemoryEventLog({ retryBackoff: { initialMs: 5, maxMs: 20 } });
    const store = openAnalyticsStore(':memory:');
    const consumer = await startAnalyticsConsumer({ events, store, logger: logger('test'), group: 'analytics-flagged-test' });
    try {
      for (const e of EVENTS) await events.produce(TOPICS.qa, e.chatId, e);
      await events.produce(TOPICS.qa, 'c-1', EVENTS[0]); // redelivered
      await events.produce(TOPICS.votes, 'a-1', voteFixture('v-1', 'a-1', 'down', NOW));
      await waitFor('every event stored', () => store.processedEvents() === EVENTS.length + 1);

      const flagged = (range: 'hour' | 'day' | 'week' | 'all', scope?: string) => {
        const s = store.summary(range, AT, scope);
        return [s.answers, s.flaggedAnswers];
      };
      assert.deepEqual(flagged('hour'), [3, 2], 'a-1 and a-2 of the last hour');
      assert.deepEqual(flagged('day'), [5, 4], 'a-4 and a-5 (at the raw edge of the range) too');
      assert.deepEqual(flagged('week'), [6, 5]);
      assert.deepEqual(flagged('all'), [6, 5]);
      assert.deepEqual(flagged('day', 'manuals'), [2, 1], 'a collection: a-1, not a-3');
      assert.deepEqual(flagged('day', userScope('u1')), [2, 2]);
      assert.deepEqual(flagged('day', userScope('u2')), [2, 1]);
      assert.deepEqual(flagged('day', 'nowhere'), [0, 0]);

      const rows = [...store.answerPages('day', 2, AT)].flat();
      assert.deepEqual(rows.map((r) => [r.answerId, r.flaggedSources]), [['a-1', 1], ['a-2', 2], ['a-3', 0], ['a-4', 1], ['a-5', 1]]);
      assert.equal(store.answer('a-2')!.flaggedSources, 2);
      const csv = answersCsv(rows).slice(1).trimEnd().split('\r\n');
      assert.ok(csv[0]!.endsWith(',channel,user,flagged sources'), csv[0]);
      assert.deepEqual(csv.slice(1).map((l) => l.split(',').at(-1)), ['1', '2', '0', '1', '1']);
    } finally {
      await consumer.stop();
      await events.close();
      store.close();
    }
  });

  void test('a version 6 file is migrated in place: its answers read as 0 flagged sources, new ones are counted', () => {
    withMigratedStore(
      {
        version: 6,
        seed: (first) => first.recordQa(EVENTS[1]!, neutral),
        // What a version 6 build wrote: neither column.
        downgradeSql: 'ALTER TABLE answers DROP COLUMN flagged_sources; ALTER TABLE agg_buckets DROP COLUMN flagged;',
      },
      (store, file) => {
        const check = new Database(file, { readonly: true });
        const has = (table: string, column: string) => (check.pragma(`table_info(${table})`) as Array<{ name: string }>).some((c) => c.name === column);
        assert.ok(has('answers', 'flagged_sources') && has('agg_buckets', 'flagged'));
        check.close();
        assert.equal(store.answer('a-2')!.flaggedSources, 0);
        assert.deepEqual([store.summary('day', AT).answers, store.summary('day', AT).flaggedAnswers], [1, 0]);
        store.recordQa(EVENTS[0]!, neutral);
        assert.deepEqual([store.summary('day', AT).answers, store.summary('day', AT).flaggedAnswers], [2, 1]);
        assert.equal(store.summary('day', AT, userScope('u1')).flaggedAnswers, 1);
        assert.deepEqual([...store.answerPages('day', 10, AT)].flat().map((r) => r.flaggedSources), [1, 0]);
      },
    );
  });
});

describe('the analytics process passes the count on', () => {
  const server = servedAnalyticsStore(fill);

  void test('the HTTP reader reads the summary and the export rows with it', async () => {
    const reader = createHttpAnalyticsReader(server.base);
    assert.equal((await reader.summary('day')).flaggedAnswers, 4);
    assert.equal((await reader.summary('day', 'manuals')).flaggedAnswers, 1);
    assert.equal((await reader.summary('day', userScope('u1'))).flaggedAnswers, 2);
    const rows: Array<number | undefined> = [];
    for await (const page of reader.exportAnswers('hour')) rows.push(...page.map((r) => r.flaggedSources));
    assert.deepEqual(rows, [1, 2, 0]);
  });
});
