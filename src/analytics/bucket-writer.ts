/**
 * Writes an Aggregator's changes into the bucket tables (./schema.ts) as upserts that add to what
 * is there. Called inside the store's transaction, so buckets, events and offsets commit together.
 */
import type Database from 'better-sqlite3';
import { Aggregator, STAGES, stageStem as stem, type AnswerFacts } from './buckets.ts';

export type BucketWriter = (agg: Aggregator) => void;

export function bucketWriter(db: Database.Database): BucketWriter {
  const rangeCols = STAGES.map((s) => `min_${stem(s)}, max_${stem(s)}`).join(', ');
  const rangeParams = STAGES.map((s) => `@min_${stem(s)}, @max_${stem(s)}`).join(', ');
  // min()/max() of SQL return NULL when either side is NULL, hence the coalesce on both sides.
  const rangeSet = STAGES.map((s) => {
    const c = stem(s);
    return `min_${c} = min(coalesce(min_${c}, excluded.min_${c}), coalesce(excluded.min_${c}, min_${c})),
            max_${c} = max(coalesce(max_${c}, excluded.max_${c}), coalesce(excluded.max_${c}, max_${c}))`;
  }).join(',\n');
  const bucket = db.prepare(
    `INSERT INTO agg_buckets (level, start, answers, up, down, q_sum, a_sum, tps_sum, tps_n, flagged, ${rangeCols})
     VALUES (@level, @start, @answers, @up, @down, @qSum, @aSum, @tpsSum, @tpsN, @flagged, ${rangeParams})
     ON CONFLICT (level, start) DO UPDATE SET
       answers = answers + excluded.answers, up = up + excluded.up, down = down + excluded.down,
       q_sum = q_sum + excluded.q_sum, a_sum = a_sum + excluded.a_sum,
       tps_sum = tps_sum + excluded.tps_sum, tps_n = tps_n + excluded.tps_n, flagged = flagged + excluded.flagged,
       ${rangeSet}`,
  );
  const latency = db.prepare(
    `INSERT INTO agg_latency (level, start, stage, bin, n) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (level, start, stage, bin) DO UPDATE SET n = n + excluded.n`,
  );
  const sentiment = db.prepare(
    `INSERT INTO agg_sentiment (level, start, kind, bin, n, up, down) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (level, start, kind, bin) DO UPDATE SET n = n + excluded.n, up = up + excluded.up, down = down + excluded.down`,
  );

  return (agg: Aggregator): void => {
    for (const [key, b] of agg.buckets) {
      const [level, start] = key.split('|') as [string, string];
      const params: Record<string, unknown> = { level, start: Number(start), ...b };
      delete params.min;
      delete params.max;
      for (const s of STAGES) {
        params[`min_${stem(s)}`] = b.min[s] ?? null;
        params[`max_${stem(s)}`] = b.max[s] ?? null;
      }
      bucket.run(params);
    }
    for (const [key, n] of agg.latency) {
      const [level, start, stage, bin] = key.split('|') as [string, string, string, string];
      latency.run(level, Number(start), stage, Number(bin), n);
    }
    for (const [key, c] of agg.sentiment) {
      const [level, start, kind, bin] = key.split('|') as [string, string, string, string];
      sentiment.run(level, Number(start), kind, Number(bin), c.n, c.up, c.down);
    }
  };
}

/** A stored answer row (or an answer event) as the aggregates see it. */
export interface AnswerAggRow {
  at: number;
  question_comparative: number;
  answer_comparative: number;
  tokens_per_second: number | null;
  total_ms: number;
  queue_wait_ms: number;
  retrieval_ms: number;
  first_token_ms: number;
  generation_ms: number;
  flagged_sources: number;
}

export function answerFacts(r: AnswerAggRow): AnswerFacts {
  return {
    at: r.at,
    questionComparative: r.question_comparative,
    answerComparative: r.answer_comparative,
    tokensPerSecond: r.tokens_per_second,
    timings: {
      total: r.total_ms,
      queueWait: r.queue_wait_ms,
      retrieval: r.retrieval_ms,
      firstToken: r.first_token_ms,
      generation: r.generation_ms,
    },
    flaggedSources: r.flagged_sources,
  };
}

/**
 * Fills buckets from the stored rows, inside the caller's transaction: the unfiltered ones (the
 * version 1 -> 2 migration; `scopesOf` absent) or those of the scopes `scopesOf` gives each row
 * (e.g. its channel: the version 7 -> 8 migration). Votes count as they do live.
 */
export function backfillBuckets(db: Database.Database, scopesOf?: (row: { channel: string | null }) => string[]): void {
  const write = bucketWriter(db);
  // Pages by rowid: better-sqlite3 refuses writes while a statement is being iterated.
  const page = db.prepare<[number], AnswerAggRow & { id: number; channel: string | null; vote: 'up' | 'down' | null }>(
    `SELECT a.rowid AS id, a.at, a.question_comparative, a.answer_comparative, a.tokens_per_second, a.total_ms,
            a.queue_wait_ms, a.retrieval_ms, a.first_token_ms, a.generation_ms, a.flagged_sources, a.channel, v.vote
       FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.rowid > ? ORDER BY a.rowid LIMIT 10000`,
  );
  for (let after = 0; ; ) {
    const rows = page.all(after);
    if (rows.length === 0) return;
    const agg = new Aggregator();
    for (const r of rows) {
      const scopes = scopesOf ? scopesOf(r) : [''];
      agg.addAnswer(answerFacts(r), scopes);
      if (r.vote) agg.addVote(r.at, r.answer_comparative, r.vote, 1, scopes);
      after = r.id;
    }
    write(agg);
  }
}
