// The `all` range's time series stays a few hundred points however long the history: day buckets
// are rolled up into weeks (and wider) exactly; a rolled-up point says what a store holding only
// that point's answers says (counts, votes, means, histogram percentiles, min/max clamps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openAnalyticsStore, type AnalyticsStore, type BatchItem } from '../../src/analytics/store.ts';
import { ALL_STEPS, MAX_ALL_POINTS, allStep } from '../../src/analytics/summary.ts';
import { EVENT_VERSION } from '../../src/contracts/analytics.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';

const NOW = Date.UTC(2025, 5, 10, 12, 34, 56, 789);
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Answers every ~`everyDays` days over `days` days before NOW, with varied latency and votes. */
function history(days: number, everyDays: number, seed = 5): BatchItem[] {
  let s = seed;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const items: BatchItem[] = [];
  for (let i = 0; i * everyDays < days; i++) {
    const at = Math.round(NOW - i * everyDays * DAY - r() * DAY);
    const total = 50 + r() * r() * 20_000;
    const offset = { topic: 'qa', partition: 0, offset: String(i) };
    items.push({
      kind: 'qa',
      event: {
        v: EVENT_VERSION, eventId: `qa-${i}`, answerId: `a-${i}`, chatId: 'c', question: 'q', answer: 'a', sources: [],
        settings: DEFAULT_SETTINGS, model: 'm', worker: 'w',
        timings: { queueWaitMs: r() * 30, retrievalMs: 10 + r() * 40, firstTokenMs: 100 + r() * 500, generationMs: total / 2, totalMs: total },
        tokens: { prompt: 10, completion: Math.round(r() * 200) }, at,
      },
      scored: { question: { score: 0, comparative: Math.round((r() - 0.5) * 100) / 100 }, answer: { score: 1, comparative: Math.round((r() - 0.3) * 100) / 100 } },
      offset,
    });
    if (r() < 0.6) items.push({ kind: 'vote', event: { v: EVENT_VERSION, eventId: `v-${i}`, answerId: `a-${i}`, vote: r() < 0.6 ? 'up' : 'down', at: at + 1000 }, offset: { ...offset, topic: 'votes' } });
  }
  return items;
}

function withStore<T>(items: readonly BatchItem[], fn: (s: AnalyticsStore) => T): T {
  const store = openAnalyticsStore(':memory:');
  try {
    store.applyBatch(items);
    return fn(store);
  } finally {
    store.close();
  }
}

void test('the all-time series picks the narrowest step that keeps it to a few hundred points', () => {
  assert.equal(allStep(NOW - 100 * DAY, NOW), DAY);
  assert.equal(allStep(NOW - (MAX_ALL_POINTS - 1) * DAY, NOW), DAY);
  assert.equal(allStep(NOW - 3 * 365 * DAY, NOW), WEEK);
  assert.equal(allStep(NOW - 15 * 365 * DAY, NOW), 4 * WEEK);
  assert.equal(allStep(NOW - 60 * 365 * DAY, NOW), 13 * WEEK);
  assert.equal(allStep(NOW - 300 * 365 * DAY, NOW), 52 * WEEK);
  assert.deepEqual(ALL_STEPS, [DAY, WEEK, 4 * WEEK, 13 * WEEK, 52 * WEEK]);
});

void test('three years of answers: weekly points from Mondays, at most MAX_ALL_POINTS, adding up to the totals', () => {
  const items = history(3 * 365, 2);
  withStore(items, (store) => {
    const s = store.summary('all', NOW);
    assert.equal(s.series.stepMs, WEEK);
    assert.ok(s.series.points.length <= MAX_ALL_POINTS && s.series.points.length >= 156, `${s.series.points.length} points`);
    for (const p of s.series.points) assert.equal(new Date(p.t).getUTCDay(), 1, `${new Date(p.t).toISOString()} is a Monday`);
    const ts = s.series.points.map((p) => p.t);
    assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
    for (let i = 1; i < ts.length; i++) assert.equal(ts[i]! - ts[i - 1]!, WEEK, 'no gaps on the time axis');
    assert.ok(ts.at(-1)! <= NOW && ts.at(-1)! + WEEK > NOW, 'the last point holds now');
    assert.equal(s.series.points.reduce((n, p) => n + p.answers, 0), s.answers);
    assert.equal(s.series.points.reduce((n, p) => n + p.up, 0), s.votes.up);
    assert.equal(s.series.points.reduce((n, p) => n + p.down, 0), s.votes.down);
    // A year or less stays daily.
    assert.equal(store.summary('week', NOW).series.stepMs, 6 * 3_600_000);
  });
  withStore(history(200, 1), (store) => {
    const s = store.summary('all', NOW).series;
    assert.equal(s.stepMs, DAY);
    assert.ok(s.points.length >= 200 && s.points.length <= 202, `${s.points.length} points`);
  });
});

void test('a rolled-up point equals a store holding only that week: counts, votes, means and percentiles merge exactly', () => {
  const items = history(3 * 365, 1, 9);
  const points = withStore(items, (store) => store.summary('all', NOW).series.points);
  const answerAt = new Map(items.flatMap((it) => (it.kind === 'qa' ? [[it.event.answerId, it.event.at] as const] : [])));
  // Several full weeks, from the middle of the history.
  for (const p of [points[40]!, points[90]!, points[150]!]) {
    const weekItems = items.filter((it) => {
      const at = it.kind === 'offset' ? -1 : (answerAt.get(it.event.answerId) ?? -1);
      return at >= p.t && at < p.t + WEEK;
    });
    assert.ok(weekItems.length >= 7, `${weekItems.length} events in the week of ${new Date(p.t).toISOString()}`);
    const alone = withStore(weekItems, (store) => store.summary('all', NOW));
    assert.equal(p.answers, alone.answers);
    assert.deepEqual({ up: p.up, down: p.down }, alone.votes);
    assert.equal(p.satisfaction, alone.satisfaction);
    assert.equal(p.tokensPerSecond, alone.tokensPerSecond);
    assert.deepEqual(p.latencyMs, alone.latencyMs);
  }
});
