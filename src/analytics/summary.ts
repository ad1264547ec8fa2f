/**
 * The analytics summary, computed in SQL over the answers of one time range.
 *
 * Decisions:
 * - A range is "answers whose qa event time is within the last hour / day / week of `now`"
 *   (`all`: everything). Only a lower bound: an event stamped slightly in the future by a worker
 *   with a fast clock still counts.
 * - Votes are counted on the answers in the range (by answer time, not vote time), one per answer
 *   (its latest vote). So satisfaction for a period is "how the answers given in that period were
 *   received", a late vote moves its answer's period, and a vote whose qa event has not arrived
 *   yet counts once it does.
 * - Percentiles are nearest-rank: the value at rank ceil(p * n) of the sorted stage column, read
 *   with ORDER BY + OFFSET per stage on the `at` index. That is a sort per stage per request; fine
 *   at the current volumes, issue #5 replaces it with incremental aggregates.
 */
import type Database from 'better-sqlite3';
import type { AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';

const RANGE_MS: Record<Exclude<AnalyticsRange, 'all'>, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Stage name in the summary -> column. A fixed map: column names are never taken from input. */
const STAGES = {
  total: 'total_ms',
  queueWait: 'queue_wait_ms',
  retrieval: 'retrieval_ms',
  firstToken: 'first_token_ms',
  generation: 'generation_ms',
} as const;
type Stage = keyof typeof STAGES;

export const RECENT_LIMIT = 20;

/** Epoch ms where the range starts; `all` starts before any real timestamp. */
export function rangeStart(range: AnalyticsRange, now: number): number {
  return range === 'all' ? Number.MIN_SAFE_INTEGER : now - RANGE_MS[range];
}

/** Index (0-based) of the nearest-rank percentile p (0..1] among n sorted values. */
export function nearestRankIndex(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n))) - 1;
}

interface Totals {
  n: number;
  q: number | null;
  a: number | null;
  tps: number | null;
}

interface RecentRow {
  answerId: string;
  question: string;
  answer: string;
  vote: 'up' | 'down' | null;
  totalMs: number;
  questionSentiment: number;
  answerSentiment: number;
  worker: string;
  at: number;
}

/** Prepared statements for the summary; made once per database. */
export function summaryQueries(db: Database.Database): (range: AnalyticsRange, now: number) => AnalyticsSummary {
  const totals = db.prepare<[number], Totals>(
    `SELECT count(*) AS n, avg(question_comparative) AS q, avg(answer_comparative) AS a,
            avg(tokens_per_second) AS tps
       FROM answers WHERE at >= ?`,
  );
  const votes = db.prepare<[number], { vote: 'up' | 'down'; n: number }>(
    `SELECT v.vote AS vote, count(*) AS n
       FROM answers a JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? GROUP BY v.vote`,
  );
  const nth = Object.fromEntries(
    Object.entries(STAGES).map(([stage, column]) => [
      stage,
      db.prepare<[number, number], { v: number }>(
        `SELECT ${column} AS v FROM answers WHERE at >= ? ORDER BY ${column} LIMIT 1 OFFSET ?`,
      ),
    ]),
  ) as Record<Stage, Database.Statement<[number, number], { v: number }>>;
  const recent = db.prepare<[number, number], RecentRow>(
    `SELECT a.answer_id AS answerId, a.question AS question, a.answer AS answer, v.vote AS vote,
            a.total_ms AS totalMs, a.question_comparative AS questionSentiment,
            a.answer_comparative AS answerSentiment, a.worker AS worker, a.at AS at
       FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );

  const percentile = (stage: Stage, since: number, n: number, p: number): number | null =>
    n === 0 ? null : (nth[stage].get(since, nearestRankIndex(p, n))?.v ?? null);

  // One read transaction: every number in a summary comes from the same snapshot.
  return db.transaction((range: AnalyticsRange, now: number): AnalyticsSummary => {
    const since = rangeStart(range, now);
    const t = totals.get(since) ?? { n: 0, q: null, a: null, tps: null };
    const counts = { up: 0, down: 0 };
    for (const row of votes.all(since)) counts[row.vote] = row.n;
    const voted = counts.up + counts.down;
    const latency = (stage: Stage) => ({ p50: percentile(stage, since, t.n, 0.5), p95: percentile(stage, since, t.n, 0.95) });
    return {
      range,
      answers: t.n,
      votes: counts,
      satisfaction: voted === 0 ? null : counts.up / voted,
      latencyMs: {
        total: latency('total'),
        queueWait: latency('queueWait'),
        retrieval: latency('retrieval'),
        firstToken: latency('firstToken'),
        generation: latency('generation'),
      },
      sentiment: { question: t.q, answer: t.a },
      tokensPerSecond: t.tps,
      recent: recent.all(since, RECENT_LIMIT),
    };
  });
}
