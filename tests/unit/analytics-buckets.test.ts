// Incremental buckets: the summary read from buckets must equal a brute-force computation over the
// events for every range (edges included), follow re-votes into the right bucket, ignore
// duplicates, not depend on batch boundaries or order, and keep percentiles within a bin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LATENCY_RELATIVE_ERROR, histogramPercentile, latencyBin, sentimentBin } from '../../src/analytics/buckets.ts';
import { openAnalyticsStore, type BatchItem, type QaSentiment } from '../../src/analytics/store.ts';
import { ANALYTICS_RANGES, type AnalyticsRange } from '../../src/contracts/analytics-summary.ts';
import { EVENT_VERSION, type QaEvent, type VoteEvent } from '../../src/contracts/analytics.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { voteFixture as vote, withMemoryStore as withStore } from '../support/analytics-fixtures.ts';

const NOW = Date.UTC(2025, 5, 10, 12, 34, 56, 789);
const MIN = 60_000;
const off = (topic: string, n: number) => ({ topic, partition: 0, offset: String(n) });

/** A small deterministic generator (so a failure reproduces). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function qa(i: number, at: number, total: number, a = 0): { event: QaEvent; scored: QaSentiment } {
  return {
    event: {
      v: EVENT_VERSION, eventId: `qa-${i}`, answerId: `a-${i}`, chatId: 'c', question: `q ${i}`, answer: `a ${i}`,
      sources: [{ documentId: 'd', documentName: 'guide.pdf', page: 2 }], settings: DEFAULT_SETTINGS, model: 'm', worker: 'w',
      timings: { queueWaitMs: 1, retrievalMs: 10, firstTokenMs: 100, generationMs: 1000, totalMs: total },
      tokens: { prompt: 10, completion: 20 }, at,
    },
    scored: { question: { score: 0, comparative: -a / 2 }, answer: { score: 1, comparative: a } },
  };
}

/** Random events over 10 days before NOW (some in the future), votes, re-votes, early votes, duplicates. */
function randomItems(seed: number, n: number): BatchItem[] {
  const r = rng(seed);
  const items: BatchItem[] = [];
  for (let i = 0; i < n; i++) {
    const at = Math.round(NOW - r() * 10 * 24 * 60 * MIN + 5 * MIN);
    const { event, scored } = qa(i, at, 50 + r() * 20_000, Math.round((r() * 2 - 1) * 1000) / 1000);
    const voteFirst = r() < 0.1;
    const votes: BatchItem[] = [];
    if (r() < 0.6) votes.push({ kind: 'vote', event: vote(`v-${i}`, event.answerId, r() < 0.6 ? 'up' : 'down', at + 1000), offset: off('votes', i) });
    if (r() < 0.2) votes.push({ kind: 'vote', event: vote(`v-${i}b`, event.answerId, r() < 0.5 ? 'up' : 'down', at + 2000), offset: off('votes', i) });
    const q: BatchItem = { kind: 'qa', event, scored, offset: off('qa', i) };
    items.push(...(voteFirst ? [...votes, q] : [q, ...votes]));
    if (r() < 0.1) items.push(q); // a duplicate delivery
  }
  return items;
}

/** What the summary must say, computed from the events alone. */
function bruteForce(items: BatchItem[], range: AnalyticsRange) {
  const since = range === 'all' ? -Infinity : NOW - { hour: 3_600_000, day: 86_400_000, week: 604_800_000 }[range];
  const answers = new Map<string, { at: number; a: number; q: number; total: number }>();
  const votes = new Map<string, VoteEvent>();
  for (const it of items) {
    if (it.kind === 'qa' && !answers.has(it.event.answerId)) answers.set(it.event.answerId, { at: it.event.at, a: it.scored.answer.comparative, q: it.scored.question.comparative, total: it.event.timings.totalMs });
    if (it.kind === 'vote') {
      const cur = votes.get(it.event.answerId);
      if (!cur || it.event.at > cur.at || (it.event.at === cur.at && it.event.eventId > cur.eventId)) votes.set(it.event.answerId, it.event);
    }
  }
  const inRange = [...answers.entries()].filter(([, a]) => a.at >= since);
  let up = 0;
  let down = 0;
  for (const [id] of inRange) {
    const v = votes.get(id)?.vote;
    if (v === 'up') up++;
    if (v === 'down') down++;
  }
  const totals = inRange.map(([, a]) => a.total).sort((x, y) => x - y);
  const qMean = inRange.length === 0 ? null : inRange.reduce((s, [, a]) => s + a.q, 0) / inRange.length;
  return { answers: inRange.length, up, down, totals, qMean };
}

void test('every range equals a brute-force count over the events, edges and re-votes included', () => {
  const items = randomItems(7, 1500);
  withStore((store) => {
    for (let i = 0; i < items.length; i += 97) store.applyBatch(items.slice(i, i + 97));
    for (const range of ANALYTICS_RANGES) {
      const want = bruteForce(items, range);
      const s = store.summary(range, NOW);
      assert.equal(s.answers, want.answers, `${range} answers`);
      assert.deepEqual(s.votes, { up: want.up, down: want.down }, `${range} votes`);
      assert.ok(Math.abs((s.sentiment.question ?? 0) - (want.qMean ?? 0)) < 1e-6, `${range} question sentiment`);
      const exactP95 = want.totals[Math.ceil(0.95 * want.totals.length) - 1]!;
      assert.ok(Math.abs(s.latencyMs.total.p95! - exactP95) <= exactP95 * LATENCY_RELATIVE_ERROR + 0.1, `${range} p95 ${s.latencyMs.total.p95} vs ${exactP95}`);
      const bandTotal = s.sentimentBands.reduce((n, b) => n + b.answers, 0);
      assert.equal(bandTotal, want.answers, `${range} sentiment bands hold every answer`);
      assert.equal(s.sentimentBands.reduce((n, b) => n + b.up, 0), want.up);
    }
  });
});

void test('batch boundaries and replays do not change a single figure (rebuild = live)', () => {
  const items = randomItems(11, 600);
  withStore((a) =>
    withStore((b) => {
      for (const it of items) a.applyBatch([it]);
      b.applyBatch(items);
      b.applyBatch(items); // a full replay is a no-op
      for (const range of ANALYTICS_RANGES) assert.deepEqual(b.summary(range, NOW), a.summary(range, NOW), range);
    }),
  );
});

void test('a re-vote moves the count within the answer bucket; a stale vote and a duplicate change nothing', () => {
  withStore((store) => {
    const old = qa(1, NOW - 3 * 24 * 60 * MIN, 500, 0.3);
    store.recordQa(old.event, old.scored);
    store.recordVote(vote('v1', 'a-1', 'up', NOW - 10 * MIN));
    assert.deepEqual(store.summary('week', NOW).votes, { up: 1, down: 0 });
    store.recordVote(vote('v2', 'a-1', 'down', NOW - 5 * MIN));
    store.recordVote(vote('v2', 'a-1', 'down', NOW - 5 * MIN));
    store.recordVote(vote('v0', 'a-1', 'up', NOW - 20 * MIN));
    const s = store.summary('week', NOW);
    assert.deepEqual(s.votes, { up: 0, down: 1 });
    // The vote was cast now but belongs to the answer's day: not in the last day's figures.
    assert.deepEqual(store.summary('day', NOW).votes, { up: 0, down: 0 });
    const band = s.sentimentBands.find((b) => b.value === 0.3)!;
    assert.deepEqual({ up: band.up, down: band.down }, { up: 0, down: 1 });
    const point = s.series.points.find((p) => p.answers === 1)!;
    assert.deepEqual({ up: point.up, down: point.down, satisfaction: point.satisfaction }, { up: 0, down: 1, satisfaction: 0 });
  });
});

void test('a vote that arrives before its answer counts once the answer arrives', () => {
  withStore((store) => {
    store.recordVote(vote('v1', 'a-1', 'up', NOW));
    assert.deepEqual(store.summary('all', NOW).votes, { up: 0, down: 0 });
    const { event, scored } = qa(1, NOW - MIN, 500);
    store.recordQa(event, scored);
    assert.deepEqual(store.summary('hour', NOW).votes, { up: 1, down: 0 });
  });
});

void test('series: one point per step over the range, empty periods included', () => {
  withStore((store) => {
    const { event, scored } = qa(1, NOW - 30 * MIN, 800);
    store.recordQa(event, scored);
    const hour = store.summary('hour', NOW).series;
    assert.equal(hour.stepMs, 5 * MIN);
    assert.ok(hour.points.length >= 12 && hour.points.length <= 13, `${hour.points.length} points`);
    assert.equal(hour.points.reduce((n, p) => n + p.answers, 0), 1);
    assert.deepEqual(hour.points.find((p) => p.answers === 1)!.latencyMs.total, { p50: 800, p95: 800 });
    assert.equal(store.summary('day', NOW).series.points.length, 25);
    assert.equal(store.summary('week', NOW).series.stepMs, 6 * 60 * MIN);
    assert.equal(store.summary('all', NOW).series.points.length, 1);
  });
});

void test('histogram percentiles: within half a bin of nearest rank on skewed data; exact for one value', () => {
  const r = rng(3);
  const values = Array.from({ length: 5000 }, () => Math.exp(r() * 10));
  const counts = new Map<number, number>();
  for (const v of values) counts.set(latencyBin(v), (counts.get(latencyBin(v)) ?? 0) + 1);
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of [0.5, 0.95, 0.99]) {
    const exact = sorted[Math.ceil(p * sorted.length) - 1]!;
    const got = histogramPercentile(counts, p, sorted[0]!, sorted.at(-1)!)!;
    assert.ok(Math.abs(got - exact) <= exact * LATENCY_RELATIVE_ERROR + 0.1, `p${p * 100}: ${got} vs ${exact}`);
  }
  assert.equal(histogramPercentile(new Map([[latencyBin(1234), 3]]), 0.5, 1234, 1234), 1234);
  assert.equal(histogramPercentile(new Map(), 0.5, null, null), null);
  assert.equal(latencyBin(0), 0);
  assert.equal(latencyBin(1e12), 199);
  assert.deepEqual([sentimentBin(-7), sentimentBin(-0.04), sentimentBin(0.05), sentimentBin(3)], [-10, 0, 1, 10]);
});

void test('a version 1 store is migrated: columns added, buckets filled from its rows', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-migrate-'));
  const file = path.join(dir, 'analytics.db');
  try {
    const db = new Database(file);
    db.exec(`CREATE TABLE answers (event_id TEXT NOT NULL UNIQUE, answer_id TEXT NOT NULL UNIQUE, chat_id TEXT NOT NULL,
      question TEXT NOT NULL, answer TEXT NOT NULL, worker TEXT NOT NULL, model TEXT NOT NULL, queue_wait_ms REAL NOT NULL,
      retrieval_ms REAL NOT NULL, first_token_ms REAL NOT NULL, generation_ms REAL NOT NULL, total_ms REAL NOT NULL,
      prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, tokens_per_second REAL, question_score REAL NOT NULL,
      question_comparative REAL NOT NULL, answer_score REAL NOT NULL, answer_comparative REAL NOT NULL, at REAL NOT NULL,
      scored_published INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE votes (answer_id TEXT PRIMARY KEY, vote TEXT NOT NULL, event_id TEXT NOT NULL, at REAL NOT NULL);
      PRAGMA user_version = 1;`);
    const ins = db.prepare(`INSERT INTO answers VALUES (?, ?, 'c', 'q', 'a', 'w', 'm', 1, 2, 3, 4, ?, 5, 6, 20, 0, 0.1, 0, 0.2, ?, 1)`);
    ins.run('e1', 'a1', 700, NOW - 10 * MIN);
    ins.run('e2', 'a2', 900, NOW - 2 * 24 * 60 * MIN);
    db.prepare(`INSERT INTO votes VALUES ('a2', 'up', 'v', ?)`).run(NOW);
    db.close();
    const store = openAnalyticsStore(file);
    try {
      assert.equal(store.summary('hour', NOW).answers, 1);
      const week = store.summary('week', NOW);
      assert.equal(week.answers, 2);
      assert.deepEqual(week.votes, { up: 1, down: 0 });
      assert.deepEqual(store.answer('a1')?.sources, []);
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
