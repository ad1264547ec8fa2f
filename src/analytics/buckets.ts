/**
 * Incremental aggregates: what the store adds to its time buckets for each answer and vote, and the
 * arithmetic to read them back (percentiles from a histogram, sentiment bands).
 *
 * Decisions:
 * - Four bucket levels keyed by UTC start: 5 minutes, 1 hour, 6 hours, 1 day. Every answer is added
 *   to one bucket of each level, so any range is a few whole buckets per level plus at most 5
 *   minutes of raw answers at its start (see ./summary.ts); nothing scans all answers. The 6-hour
 *   level only serves the week's time series (28 points instead of 168 hours to merge).
 * - A vote counts in the bucket of its ANSWER (satisfaction = how the answers of a period were
 *   received). A re-vote moves the count: minus the old vote, plus the new one. A vote that arrives
 *   before its answer is counted when the answer arrives.
 * - Sums are integers (fixed point: sentiment x 1e6, tokens/s x 1e3), so the result does not depend
 *   on the order answers were added in: a rebuild equals the live store to the last digit.
 * - Latency percentiles come from a log-scale histogram: bins grow by 2^(1/8) (about 9%), so the
 *   reported value (the bin's geometric middle, clamped to the range's min and max) is within
 *   about 4.5% of the exact nearest-rank value. 200 bins cover 0 ms to about 7.7 hours.
 * - Sentiment (AFINN comparative) histograms use bands of 0.1 centred on multiples of 0.1, with
 *   everything at or beyond +-1 in the end bands; votes are also kept per answer-sentiment band.
 * - `flagged` counts the answers with at least one source the prompt-injection guard flagged.
 * - Per collection: an answer of collection X (asked over it or citing it) is also added to the
 *   buckets of level `<level>@X` (scopedLevel), the same rows and arithmetic restricted to X.
 */

export const LEVELS = { m5: 300_000, h: 3_600_000, h6: 21_600_000, d: 86_400_000 } as const;
export type Level = keyof typeof LEVELS;
export const LEVEL_NAMES = Object.keys(LEVELS) as Level[];

/** Stage name -> column of the answers table and stem of the bucket columns. Fixed, never from input. */
export const STAGE_COLUMNS = {
  total: 'total_ms',
  queueWait: 'queue_wait_ms',
  retrieval: 'retrieval_ms',
  firstToken: 'first_token_ms',
  generation: 'generation_ms',
} as const;
export type Stage = keyof typeof STAGE_COLUMNS;
export const STAGES = Object.keys(STAGE_COLUMNS) as Stage[];
/** The stem of a stage's bucket columns (`min_<stem>`, `max_<stem>`): its answers column without `_ms`. */
export const stageStem = (stage: Stage): string => STAGE_COLUMNS[stage].replace(/_ms$/, '');

export const SENTIMENT_SCALE = 1e6;
export const TPS_SCALE = 1e3;

/** The bucket level of `level` restricted to one collection ('' or undefined: all answers). */
export const scopedLevel = (level: string, collection?: string): string => (collection ? `${level}@${collection}` : level);

export const bucketStart = (level: Level, at: number): number => Math.floor(at / LEVELS[level]) * LEVELS[level];

const GROWTH = 2 ** (1 / 8);
const LOG_GROWTH = Math.log(GROWTH);
export const LATENCY_BINS = 200;

/** Bin 0 holds [0, 1] ms; bin k >= 1 holds [G^(k-1), G^k) with G = 2^(1/8). */
export function latencyBin(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(LATENCY_BINS - 1, 1 + Math.floor(Math.log(ms) / LOG_GROWTH));
}

/** The value a bin stands for: its geometric middle (bin 0: 0.5 ms). */
export function latencyBinValue(bin: number): number {
  return bin === 0 ? 0.5 : GROWTH ** (bin - 0.5);
}

/** Relative error bound of a histogram percentile against the exact one (half a bin). */
export const LATENCY_RELATIVE_ERROR = Math.sqrt(GROWTH) - 1;

/**
 * Nearest-rank percentile p (0..1] from bin counts: the bin holding rank ceil(p * n), reported as
 * its middle clamped to [min, max] (so one answer, or all answers in one bin, give exact values).
 */
export function histogramPercentile(counts: ReadonlyMap<number, number>, p: number, min: number | null, max: number | null): number | null {
  let n = 0;
  for (const c of counts.values()) n += c;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)));
  let seen = 0;
  for (const bin of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(bin) ?? 0;
    if (seen >= rank) {
      let v = latencyBinValue(bin);
      if (min !== null) v = Math.max(v, min);
      if (max !== null) v = Math.min(v, max);
      return Math.round(v * 10) / 10;
    }
  }
  return null;
}

export const SENTIMENT_BINS = 10;
/** Band index -10..10 of a comparative score: round(c * 10), clamped. */
export const sentimentBin = (comparative: number): number =>
  // + 0 turns -0 (from rounding -0.04) into 0, so the band keys stay one per value.
  Math.max(-SENTIMENT_BINS, Math.min(SENTIMENT_BINS, Math.round(comparative * 10))) + 0;

/** What one answer contributes to the buckets. */
export interface AnswerFacts {
  at: number;
  questionComparative: number;
  answerComparative: number;
  tokensPerSecond: number | null;
  timings: Record<Stage, number>;
  /** How many of its sources the prompt-injection guard flagged. */
  flaggedSources: number;
}

export interface BucketDelta {
  answers: number;
  up: number;
  down: number;
  qSum: number;
  aSum: number;
  tpsSum: number;
  tpsN: number;
  /** Answers with at least one flagged source. */
  flagged: number;
  min: Partial<Record<Stage, number>>;
  max: Partial<Record<Stage, number>>;
}

export interface SentimentDelta {
  n: number;
  up: number;
  down: number;
}

const emptyBucket = (): BucketDelta => ({ answers: 0, up: 0, down: 0, qSum: 0, aSum: 0, tpsSum: 0, tpsN: 0, flagged: 0, min: {}, max: {} });

/**
 * Accumulates the changes of one transaction in memory, keyed by bucket, so a batch of a thousand
 * answers in the same minutes becomes a handful of upserts. `levels` lets the summary reuse it for
 * the raw answers at a range's edge (one pseudo-level).
 */
export class Aggregator {
  readonly buckets = new Map<string, BucketDelta>();
  /** key level|start|stage|bin */
  readonly latency = new Map<string, number>();
  /** key level|start|kind|bin, kind q (question) or a (answer) */
  readonly sentiment = new Map<string, SentimentDelta>();

  constructor(private readonly levels: readonly string[] = LEVEL_NAMES, private readonly startOf: (level: string, at: number) => number = (l, at) => bucketStart(l as Level, at)) {}

  get empty(): boolean {
    return this.buckets.size === 0;
  }

  /** Adds an answer to the unfiltered buckets ('') and to those of each collection in `scopes`. */
  addAnswer(a: AnswerFacts, scopes: readonly string[] = ['']): void {
    const q = Math.round(a.questionComparative * SENTIMENT_SCALE);
    const s = Math.round(a.answerComparative * SENTIMENT_SCALE);
    for (const level of this.scoped(scopes)) {
      const start = this.startOf(level.base, a.at);
      const b = this.bucket(level.key, start);
      b.answers++;
      b.qSum += q;
      b.aSum += s;
      if (a.tokensPerSecond !== null) {
        b.tpsSum += Math.round(a.tokensPerSecond * TPS_SCALE);
        b.tpsN++;
      }
      if (a.flaggedSources > 0) b.flagged++;
      for (const stage of STAGES) {
        const v = a.timings[stage];
        b.min[stage] = Math.min(b.min[stage] ?? v, v);
        b.max[stage] = Math.max(b.max[stage] ?? v, v);
        const key = `${level.key}|${start}|${stage}|${latencyBin(v)}`;
        this.latency.set(key, (this.latency.get(key) ?? 0) + 1);
      }
      this.sentimentCell(level.key, start, 'q', sentimentBin(a.questionComparative)).n++;
      this.sentimentCell(level.key, start, 'a', sentimentBin(a.answerComparative)).n++;
    }
  }

  /** Adds (sign 1) or takes back (sign -1) a vote on an answer given at `at` (in the buckets of `scopes`, as addAnswer). */
  addVote(at: number, answerComparative: number, vote: 'up' | 'down', sign: 1 | -1, scopes: readonly string[] = ['']): void {
    for (const level of this.scoped(scopes)) {
      const start = this.startOf(level.base, at);
      this.bucket(level.key, start)[vote] += sign;
      this.sentimentCell(level.key, start, 'a', sentimentBin(answerComparative))[vote] += sign;
    }
  }

  /** Every level of every scope: `base` picks the bucket start, `key` is what the rows are stored under. */
  private scoped(scopes: readonly string[]): Array<{ base: string; key: string }> {
    return scopes.flatMap((scope) => this.levels.map((base) => ({ base, key: scopedLevel(base, scope) })));
  }

  private bucket(level: string, start: number): BucketDelta {
    const key = `${level}|${start}`;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = emptyBucket()));
    return b;
  }

  private sentimentCell(level: string, start: number, kind: 'q' | 'a', bin: number): SentimentDelta {
    const key = `${level}|${start}|${kind}|${bin}`;
    let c = this.sentiment.get(key);
    if (!c) this.sentiment.set(key, (c = { n: 0, up: 0, down: 0 }));
    return c;
  }
}
