/**
 * The analytics summary, read from the incremental buckets (./buckets.ts), never from all answers.
 *
 * A range [since, now...) is covered exactly, without overlap, by:
 *   the raw answers in [since, next 5-minute boundary)      (at most 5 minutes of rows, on the `at` index)
 *   5-minute buckets up to the next hour boundary,
 *   hour buckets up to the next day boundary,
 *   day buckets from there on (no upper bound: see ./range.ts).
 * `all` is the day buckets alone. Counts, votes and means are therefore exact for the range; the
 * latency percentiles come from the histograms (within about 4.5%).
 *
 * Votes count on the answers of the range (by answer time, not vote time), one per answer (its
 * latest vote): "how the answers given in that period were received". The time series uses whole
 * buckets (5 min for hour, 1 h for day, 6 h for week) from the one holding `since`. `all` starts at
 * the first day with answers and picks its step so the series never exceeds MAX_ALL_POINTS: days,
 * else weeks (from Monday, UTC), 4 weeks, 13 weeks or 52 weeks. Wider points are the day buckets
 * merged exactly (counts and sums add, latency histograms add bin by bin, min/max combine), grouped
 * in SQL, so a long history costs one grouped read of the day buckets, as the range totals do.
 *
 * Restricted to one collection (answers asked over it or citing it: ./answer-collections.ts) the
 * same reads run on that collection's buckets (levels `<level>@<id>`, ./buckets.ts scopedLevel),
 * and the raw edge and the recent answers on its `answer_collections` index range: exactly the
 * same arithmetic and bounds as the unfiltered summary. A user (`user:<id>`) or a channel
 * (`channel:<channel>`) is read the same way: each is a scope with its own rows and buckets.
 */
import type Database from 'better-sqlite3';
import { channelOfScope, collectionOfScope, userOfScope } from '../contracts/analytics-scope.ts';
import type { AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import { answerFacts, type AnswerAggRow } from './bucket-writer.ts';
import { Aggregator, LEVELS, SENTIMENT_BINS, SENTIMENT_SCALE, STAGES, scopedLevel, stageStem as stem, type Level, type Stage } from './buckets.ts';
import { rangeStart } from './range.ts';
import { Totals } from './summary-totals.ts';

export { rangeStart } from './range.ts';

export const RECENT_LIMIT = 20;

const SERIES: Record<Exclude<AnalyticsRange, 'all'>, { level: Level; stepMs: number }> = {
  hour: { level: 'm5', stepMs: LEVELS.m5 },
  day: { level: 'h', stepMs: LEVELS.h },
  week: { level: 'h6', stepMs: LEVELS.h6 },
};

/** Most points the `all` series has; beyond it day buckets are rolled up into weeks. */
export const MAX_ALL_POINTS = 366;
const WEEK = 7 * LEVELS.d;
/** Steps of the `all` series, narrowest first; each a whole number of day buckets. */
export const ALL_STEPS = [LEVELS.d, WEEK, 4 * WEEK, 13 * WEEK, 52 * WEEK] as const;
/**
 * Week points start on Mondays (1970-01-05 UTC was one); the anchor is moved far into the past by
 * whole steps so SQL's integer division (which truncates) only ever sees positive offsets.
 */
const anchorFor = (stepMs: number): number => (stepMs === LEVELS.d ? 0 : 4 * LEVELS.d) - 100_000 * stepMs;

/** The `all` step for answers from `first` to `now`: the narrowest giving at most MAX_ALL_POINTS. */
export function allStep(first: number, now: number): number {
  for (const step of ALL_STEPS) {
    const anchor = anchorFor(step);
    const points = Math.floor((now - anchor) / step) - Math.floor((first - anchor) / step) + 1;
    if (points <= MAX_ALL_POINTS) return step;
  }
  return 52 * WEEK;
}

const ceilTo = (t: number, step: number): number => Math.ceil(t / step) * step;
const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

type RecentRow = AnalyticsSummary['recent'][number];

/** Prepared statements for the summary; made once per database. `collection`: one collection's answers only. */
export function summaryQueries(db: Database.Database): (range: AnalyticsRange, now: number, collection?: string) => AnalyticsSummary {
  const where = 'level = ? AND start >= ? AND start < ?';
  const rangeAggs = STAGES.map((s) => `min(min_${stem(s)}) AS min_${stem(s)}, max(max_${stem(s)}) AS max_${stem(s)}`).join(', ');
  const bucketSums = db.prepare<[string, number, number], Record<string, number | null>>(
    `SELECT sum(answers) AS answers, sum(up) AS up, sum(down) AS down, sum(q_sum) AS q_sum, sum(a_sum) AS a_sum,
            sum(tps_sum) AS tps_sum, sum(tps_n) AS tps_n, sum(flagged) AS flagged, ${rangeAggs}
       FROM agg_buckets WHERE ${where}`,
  );
  const latencySums = db.prepare<[string, number, number], { stage: Stage; bin: number; n: number }>(
    `SELECT stage, bin, sum(n) AS n FROM agg_latency WHERE ${where} GROUP BY stage, bin`,
  );
  const sentimentSums = db.prepare<[string, number, number], { kind: string; bin: number; n: number; up: number; down: number }>(
    `SELECT kind, bin, sum(n) AS n, sum(up) AS up, sum(down) AS down FROM agg_sentiment WHERE ${where} GROUP BY kind, bin`,
  );
  const EDGE_COLUMNS = `a.at, a.question_comparative, a.answer_comparative, a.tokens_per_second, a.total_ms, a.queue_wait_ms,
            a.retrieval_ms, a.first_token_ms, a.generation_ms, a.flagged_sources, v.vote`;
  type EdgeRow = AnswerAggRow & { vote: 'up' | 'down' | null };
  const edgeAll = db.prepare<[number, number], EdgeRow>(
    `SELECT ${EDGE_COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id WHERE a.at >= ? AND a.at < ?`,
  );
  const edgeIn = db.prepare<[string, number, number], EdgeRow>(
    `SELECT ${EDGE_COLUMNS} FROM answer_collections c JOIN answers a ON a.answer_id = c.answer_id LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE c.collection_id = ? AND c.at >= ? AND c.at < ?`,
  );
  // Buckets grouped into series points: k = (start - anchor) / step, point time anchor + k * step.
  // The CAST: better-sqlite3 may bind numbers as REAL, and a REAL division would not group.
  type SeriesArgs = { level: string; from: number; anchor: number; step: number };
  const seriesBuckets = db.prepare<[SeriesArgs], Record<string, number | null> & { k: number }>(
    `SELECT CAST((start - @anchor) / @step AS INTEGER) AS k, sum(answers) AS answers, sum(up) AS up, sum(down) AS down, sum(q_sum) AS q_sum,
            sum(a_sum) AS a_sum, sum(tps_sum) AS tps_sum, sum(tps_n) AS tps_n, ${rangeAggs}
       FROM agg_buckets WHERE level = @level AND start >= @from GROUP BY k`,
  );
  const seriesLatency = db.prepare<[SeriesArgs], { k: number; stage: Stage; bin: number; n: number }>(
    `SELECT CAST((start - @anchor) / @step AS INTEGER) AS k, stage, bin, sum(n) AS n
       FROM agg_latency WHERE level = @level AND start >= @from GROUP BY k, stage, bin`,
  );
  const firstDay = db.prepare<[string], { first: number | null }>(`SELECT min(start) AS first FROM agg_buckets WHERE level = ?`);
  const RECENT_COLUMNS = `a.answer_id AS answerId, a.question AS question, a.answer AS answer, v.vote AS vote,
            a.total_ms AS totalMs, a.question_comparative AS questionSentiment,
            a.answer_comparative AS answerSentiment, a.worker AS worker, a.at AS at, a.channel AS channel`;
  const recentAll = db.prepare<[number, number], RecentRow>(
    `SELECT ${RECENT_COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  const recentIn = db.prepare<[string, number, number], RecentRow>(
    `SELECT ${RECENT_COLUMNS} FROM answer_collections c JOIN answers a ON a.answer_id = c.answer_id LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE c.collection_id = ? AND c.at >= ? ORDER BY c.at DESC, c.answer_id DESC LIMIT ?`,
  );

  // `only`: the collection a summary is restricted to (undefined: all answers).
  const addLevel = (t: Totals, base: Level, from: number, to: number, only: string | undefined): void => {
    if (from >= to) return;
    const level = scopedLevel(base, only);
    const b = bucketSums.get(level, from, to);
    if (b) t.addBucket(b);
    for (const r of latencySums.all(level, from, to)) t.addLatency(r.stage, r.bin, r.n);
    for (const r of sentimentSums.all(level, from, to)) t.addSentiment(r.kind, r.bin, r);
  };

  const totalsFor = (range: AnalyticsRange, since: number, only: string | undefined): Totals => {
    const t = new Totals();
    if (range === 'all') {
      addLevel(t, 'd', MIN, MAX, only);
      return t;
    }
    const c5 = ceilTo(since, LEVELS.m5);
    const cH = ceilTo(since, LEVELS.h);
    const cD = ceilTo(since, LEVELS.d);
    const raw = new Aggregator(['raw'], () => 0);
    for (const r of only === undefined ? edgeAll.all(since, c5) : edgeIn.all(only, since, c5)) {
      raw.addAnswer(answerFacts(r));
      if (r.vote) raw.addVote(r.at, r.answer_comparative, r.vote, 1);
    }
    t.addAggregator(raw);
    addLevel(t, 'm5', c5, cH, only);
    addLevel(t, 'h', cH, cD, only);
    addLevel(t, 'd', cD, MAX, only);
    return t;
  };

  const seriesFor = (range: AnalyticsRange, since: number, now: number, only: string | undefined): AnalyticsSummary['series'] => {
    let level: Level = 'd';
    let stepMs: number;
    let anchor = 0;
    let from: number;
    if (range === 'all') {
      const first = firstDay.get(scopedLevel('d', only))?.first ?? null;
      if (first === null) return { stepMs: LEVELS.d, points: [] };
      stepMs = allStep(first, Math.max(now, first));
      anchor = anchorFor(stepMs);
      from = anchor + Math.floor((first - anchor) / stepMs) * stepMs;
    } else {
      ({ level, stepMs } = SERIES[range]);
      from = Math.floor(since / stepMs) * stepMs;
    }
    const points = new Map<number, Totals>();
    const at = (t: number): Totals => {
      let p = points.get(t);
      if (!p) points.set(t, (p = new Totals()));
      return p;
    };
    // An honest time axis: periods without answers are empty points (at most MAX_ALL_POINTS for `all`).
    for (let t = from; t <= now; t += stepMs) at(t);
    const args = { level: scopedLevel(level, only), from, anchor, step: stepMs };
    for (const b of seriesBuckets.all(args)) at(anchor + b.k * stepMs).addBucket(b);
    for (const r of seriesLatency.all(args)) at(anchor + r.k * stepMs).addLatency(r.stage, r.bin, r.n);
    return {
      stepMs,
      points: [...points.entries()]
        .sort(([a], [b]) => a - b)
        .map(([t, p]) => ({
          t,
          answers: p.answers,
          up: p.up,
          down: p.down,
          satisfaction: p.satisfaction(),
          tokensPerSecond: p.tokensPerSecond(),
          latencyMs: p.latencyMs(),
        })),
    };
  };

  const bands = (t: Totals): AnalyticsSummary['sentimentBands'] => {
    const out: AnalyticsSummary['sentimentBands'] = [];
    for (let bin = -SENTIMENT_BINS; bin <= SENTIMENT_BINS; bin++) {
      const q = t.sentiment.get(`q|${bin}`);
      const a = t.sentiment.get(`a|${bin}`);
      out.push({ value: bin / 10, questions: q?.n ?? 0, answers: a?.n ?? 0, up: a?.up ?? 0, down: a?.down ?? 0 });
    }
    return out;
  };

  // One read transaction: every number in a summary comes from the same snapshot.
  return db.transaction((range: AnalyticsRange, now: number, only?: string): AnalyticsSummary => {
    const since = rangeStart(range, now);
    const t = totalsFor(range, since, only);
    const mean = (sum: number): number | null => (t.answers === 0 ? null : sum / SENTIMENT_SCALE / t.answers);
    return {
      range,
      collection: collectionOfScope(only) ?? null,
      user: userOfScope(only) ?? null,
      channel: channelOfScope(only) ?? null,
      answers: t.answers,
      flaggedAnswers: t.flagged,
      votes: { up: t.up, down: t.down },
      satisfaction: t.satisfaction(),
      latencyMs: t.latencyMs(),
      sentiment: { question: mean(t.qSum), answer: mean(t.aSum) },
      tokensPerSecond: t.tokensPerSecond(),
      series: seriesFor(range, since, now, only),
      sentimentBands: bands(t),
      recent: only === undefined ? recentAll.all(since, RECENT_LIMIT) : recentIn.all(only, since, RECENT_LIMIT),
    };
  });
}
