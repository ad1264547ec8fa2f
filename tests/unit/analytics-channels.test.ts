/**
 * Analytics by channel: every stored answer is also counted in the buckets of its channel
 * (`channel:<channel>`, answers recorded before channels as `web`; schema version 8, a version 7
 * file migrated in place), so the summary, recent answers and export read one channel's answers
 * and their votes; the analytics process takes `?channel=` (an unknown one is a 400 listing the
 * channels; with another filter a 400), and its HTTP reader checks the filter held.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHttpAnalyticsReader } from '../../src/analytics/http-reader.ts';
import type { AnalyticsStore } from '../../src/analytics/store.ts';
import { channelScope } from '../../src/contracts/analytics-scope.ts';
import type { QaEvent } from '../../src/contracts/analytics.ts';
import { NEUTRAL as neutral, qaFixture, servedAnalyticsStore, voteFixture as vote, withMemoryStore, withMigratedStore } from '../support/analytics-fixtures.ts';

const NOW = Date.now();
const MIN = 60_000;
const DAY = 86_400_000;
const qa = (n: number, over: Partial<QaEvent> = {}): QaEvent => qaFixture(n, { at: NOW - n * MIN, ...over });

/**
 * a-1, a-2 through openai, a-3 api, a-4 mcp, a-5 and a-6 web, a-7 from before channels (web), a-8
 * through openai two days ago (out of the day's range); a-1 over `manuals`; votes on a-1, a-2 (a
 * re-vote), a-3 and a-7.
 */
function fill(store: AnalyticsStore): void {
  store.recordQa(qa(1, { channel: 'openai', collections: ['manuals'] }), neutral);
  store.recordQa(qa(2, { channel: 'openai', userId: 'u1' }), neutral);
  store.recordQa(qa(3, { channel: 'api' }), neutral);
  store.recordQa(qa(4, { channel: 'mcp' }), neutral);
  store.recordQa(qa(5, { channel: 'web' }), neutral);
  store.recordQa(qa(6, { channel: 'web' }), neutral);
  store.recordQa(qa(7), neutral);
  store.recordQa(qaFixture(8, { at: NOW - 2 * DAY, channel: 'openai' }), neutral);
  store.recordVote(vote('v1', 'a-1', 'up', NOW));
  store.recordVote(vote('v2', 'a-2', 'up', NOW));
  store.recordVote(vote('v3', 'a-2', 'down', NOW + 1));
  store.recordVote(vote('v4', 'a-3', 'down', NOW));
  store.recordVote(vote('v5', 'a-7', 'up', NOW));
}

/** The figures of one channel's day, all time and export, read through the store. */
function perChannel(store: AnalyticsStore, now: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of ['web', 'api', 'openai', 'mcp'] as const) {
    const day = store.summary('day', now, channelScope(c));
    const rows = [...store.answerPages('all', 2, now, channelScope(c))].flat();
    out[c] = {
      day: day.answers,
      all: store.summary('all', now, channelScope(c)).answers,
      votes: day.votes,
      recent: day.recent.map((r) => r.answerId),
      export: rows.map((r) => r.answerId),
    };
  }
  return out;
}

const EXPECTED = {
  web: { day: 3, all: 3, votes: { up: 1, down: 0 }, recent: ['a-5', 'a-6', 'a-7'], export: ['a-5', 'a-6', 'a-7'] },
  api: { day: 1, all: 1, votes: { up: 0, down: 1 }, recent: ['a-3'], export: ['a-3'] },
  openai: { day: 2, all: 3, votes: { up: 1, down: 1 }, recent: ['a-1', 'a-2'], export: ['a-1', 'a-2', 'a-8'] },
  mcp: { day: 1, all: 1, votes: { up: 0, down: 0 }, recent: ['a-4'], export: ['a-4'] },
};

describe('the store counts answers per channel', () => {
  void test('summary, votes, recent answers and export of one channel; before channels is web', () => {
    withMemoryStore((store) => {
      fill(store);
      assert.deepEqual(perChannel(store, NOW + MIN), EXPECTED);
      const openai = store.summary('day', NOW + MIN, channelScope('openai'));
      assert.deepEqual([openai.channel, openai.collection, openai.user], ['openai', null, null]);
      assert.equal(openai.series.points.reduce((n, p) => n + p.answers, 0), 2, 'the series is one channel too');
      const all = store.summary('day', NOW + MIN);
      assert.equal(all.answers, 7, 'unfiltered: every channel');
      assert.equal(all.channel, null);
      assert.equal(store.summary('day', NOW + MIN, 'manuals').answers, 1, 'the collection filter is unchanged');
      const a1 = store.answers('day', 10, NOW + MIN, channelScope('openai'))[0]!;
      assert.deepEqual(a1.collections, ['manuals'], 'the channel is not listed as a collection');
    });
  });

  void test('a version 7 file is migrated in place: its stored answers are counted per channel, and new ones too', () => {
    const downgradeSql = `
      DELETE FROM answer_collections WHERE collection_id LIKE 'channel:%';
      DELETE FROM agg_buckets WHERE level LIKE '%@channel:%';
      DELETE FROM agg_latency WHERE level LIKE '%@channel:%';
      DELETE FROM agg_sentiment WHERE level LIKE '%@channel:%';`;
    withMigratedStore({ version: 7, seed: fill, downgradeSql }, (store, file) => {
      assert.deepEqual(perChannel(store, NOW + MIN), EXPECTED);
      const check = new Database(file, { readonly: true });
      const n = (check.prepare(`SELECT count(*) AS n FROM answer_collections WHERE collection_id LIKE 'channel:%'`).get() as { n: number }).n;
      check.close();
      assert.equal(n, 8, 'one channel row per stored answer');
      store.recordQa(qa(9, { channel: 'mcp' }), neutral);
      store.recordVote(vote('v6', 'a-4', 'up', NOW));
      const mcp = store.summary('day', NOW + MIN, channelScope('mcp'));
      assert.deepEqual([mcp.answers, mcp.votes.up], [2, 1], 'a vote on a migrated answer counts in its channel');
      assert.equal(store.summary('all', NOW + MIN).answers, 9, 'the unfiltered buckets are not counted twice');
    });
  });
});

describe('the analytics process filters by channel', () => {
  const server = servedAnalyticsStore(fill);

  void test('?channel= filters the summary, the list and the export; the reader reads one channel', async () => {
    const json = async (p: string) => (await (await fetch(`${server.base}${p}`)).json()) as { answers: number; channel: string };
    const s = await json('/api/analytics/summary?range=day&channel=openai');
    assert.deepEqual([s.answers, s.channel], [2, 'openai']);
    assert.equal((await json('/api/analytics/summary?range=all&channel=web')).answers, 3);
    const reader = createHttpAnalyticsReader(server.base);
    assert.equal((await reader.summary('day', channelScope('api'))).answers, 1);
    assert.deepEqual((await reader.answers('all', 10, channelScope('openai'))).map((r) => r.answerId), ['a-1', 'a-2', 'a-8']);
    const rows: string[] = [];
    for await (const page of reader.exportAnswers('day', channelScope('web'))) rows.push(...page.map((r) => `${r.answerId} ${r.channel ?? '-'}`));
    assert.deepEqual(rows, ['a-5 web', 'a-6 web', 'a-7 -'], 'answers from before channels are web');
  });

  void test('an unknown channel is a 400 listing the channels; a channel with another filter is a 400', async () => {
    for (const q of ['channel=email', 'channel=WEB', 'channel=web&channel=api']) {
      const res = await fetch(`${server.base}/api/analytics/summary?range=day&${q}`);
      assert.equal(res.status, 400, q);
      assert.match(((await res.json()) as { error: string }).error, /channel must be one of web, api, openai, mcp/, q);
    }
    for (const q of ['channel=web&collection=manuals', 'channel=web&user=u1']) {
      const res = await fetch(`${server.base}/api/analytics/answers?range=day&${q}`);
      assert.equal(res.status, 400, q);
      assert.match(((await res.json()) as { error: string }).error, /one at a time/, q);
    }
  });
});
