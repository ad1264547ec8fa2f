/**
 * The analytics store: SQLite through better-sqlite3, one file under the data directory
 * (`analytics.db`), WAL mode; `:memory:` for tests. Schema and its meaning: ./schema.ts.
 *
 * Idempotency: every write is ONE transaction that (1) claims the event id in processed_events,
 * (2) applies the event only if the claim was new, and (3) records the consumed offset. A replayed
 * record, a redelivery after a crash, or a rebuild from the topics therefore never double-counts,
 * and the offsets never run ahead of, or behind, what the tables hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { QaEvent, VoteEvent } from '../contracts/analytics.ts';
import { answerCitationsTable, backfillQuality, citedDocuments, refusedOf, type AnswerCitationsTable } from './answer-citations.ts';
import { answerCollectionsTable, collectionsOfEvent, type AnswerCollectionsTable } from './answer-collections.ts';
import { answerQueries, type AnswerQueries } from './answer-queries.ts';
import { answerRow, INSERT_ANSWER_SQL } from './answer-row.ts';
import { BucketMaintenance } from './bucket-maintenance.ts';
import { backfillBuckets } from './bucket-writer.ts';
import { MIGRATE_TO_V4_SQL, MIGRATE_TO_V5_SQL, MIGRATE_TO_V6_SQL, MIGRATE_V1_SQL, SCHEMA_SQL, SCHEMA_VERSION } from './schema.ts';
import { qualityQueries } from './quality.ts';
import type { AnalyticsQualityData, QualityQuery } from '../contracts/analytics-quality.ts';
import { userScope } from '../contracts/analytics-scope.ts';
import type { SentimentScore } from './sentiment.ts';
import { summaryQueries } from './summary.ts';

/** Where a record came from; stored with the event it carried. */
export interface ConsumedOffset {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit integers in decimal strings. */
  offset: string;
}

export interface QaSentiment {
  question: SentimentScore;
  answer: SentimentScore;
}

/** One record of a consumed batch, as the store applies it. */
export type BatchItem =
  | { kind: 'qa'; event: QaEvent; scored: QaSentiment; offset: ConsumedOffset }
  | { kind: 'vote'; event: VoteEvent; offset: ConsumedOffset }
  /** A record that carried nothing to store (dead-lettered): only its offset moves on. */
  | { kind: 'offset'; offset: ConsumedOffset };

export interface AnalyticsStore {
  /**
   * Applies a batch in ONE transaction with the highest offset per partition, so a crash leaves
   * either the whole batch and its offsets or neither. Returns how many events were new.
   */
  applyBatch(items: readonly BatchItem[]): number;
  /** Marks many qa.scored events published in one transaction. */
  markScoredPublishedMany(qaEventIds: readonly string[]): void;
  /** Stores a qa event; true when new, false when its event id or answer id was seen before. */
  recordQa(event: QaEvent, scored: QaSentiment, offset?: ConsumedOffset): boolean;
  /** Applies a vote (latest by event time wins); true when the event id is new. */
  recordVote(event: VoteEvent, offset?: ConsumedOffset): boolean;
  /** Records the offset of a record that carried nothing to store (e.g. dead-lettered). */
  recordOffset(offset: ConsumedOffset): void;
  /** True while the qa.scored event for this qa event id is still to be published. */
  scoredPending(qaEventId: string): boolean;
  markScoredPublished(qaEventId: string): void;
  /** Last applied offset per topic/partition. */
  offsets(): ConsumedOffset[];
  /** How many distinct events (qa and votes) the store has applied. */
  processedEvents(): number;
  /** Last applied offset of one partition, or undefined when none was recorded. */
  offset(topic: string, partition: number): string | undefined;
  /**
   * With `collection` (a scope, contracts/analytics-scope.ts: a collection id, or `user:<id>`): only
   * the answers asked over that collection or citing it, or asked by that user, and their votes.
   */
  summary(range: AnalyticsRange, now?: number, collection?: string): AnalyticsSummary;
  /** One stored answer with everything recorded about it, or undefined. */
  answer(answerId: string): AnalyticsAnswer | undefined;
  /** The answers of a range (of one collection, when given), newest first, at most `limit`. */
  answers(range: AnalyticsRange, limit: number, now?: number, collection?: string): AnalyticsAnswerRow[];
  /**
   * Every answer of a range, newest first, in pages of `pageSize` (default 1000), each read when
   * asked for: the streamed CSV export. Holds no statement open between pages.
   */
  answerPages(range: AnalyticsRange, pageSize?: number, now?: number, collection?: string): Generator<AnalyticsAnswerRow[], void, undefined>;
  /** Knowledge gaps, citations per document and down-voted answers of a range (./quality.ts). */
  quality(range: AnalyticsRange, query?: QualityQuery, now?: number, collection?: string): AnalyticsQualityData;
  /** Throws when the database cannot be read (health checks). */
  check(): void;
  /** Idempotent. */
  close(): void;
}

/** The store file inside a data directory (`config.paths.data`). */
export function analyticsDbPath(dataDir: string): string {
  return path.join(dataDir, 'analytics.db');
}

/** Opens (creating if needed) the store at `file`, or an in-memory one for `:memory:`. */
export function openAnalyticsStore(file: string): AnalyticsStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode may lose the last commits on power loss, never corrupt; the offsets are
    // lost with them, so those records are simply consumed again.
    db.pragma('synchronous = NORMAL');
    // More than one process may open the same file (an operator's rebuild, a second consumer).
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteAnalyticsStore(db);
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`analytics database has schema version ${version}, this build knows up to ${SCHEMA_VERSION}`);
  }
  // Version 1 had no buckets: add the columns, create the tables, fill the buckets from the rows,
  // all in one transaction so an interrupted migration is simply done again.
  db.transaction(() => {
    if (version === 1) db.exec(MIGRATE_V1_SQL);
    // The column may exist already (a file rolled back to an older version number by hand).
    const columns = db.pragma('table_info(answers)') as Array<{ name: string }>;
    if (version >= 1 && version < 4 && !columns.some((c) => c.name === 'channel')) db.exec(MIGRATE_TO_V4_SQL);
    if (version >= 1 && version < 5 && !columns.some((c) => c.name === 'user_id')) db.exec(MIGRATE_TO_V5_SQL);
    if (version >= 1 && version < 6 && !columns.some((c) => c.name === 'refused')) db.exec(MIGRATE_TO_V6_SQL);
    db.exec(SCHEMA_SQL);
    if (version === 1) backfillBuckets(db);
    if (version >= 1 && version < 6) backfillQuality(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

class SqliteAnalyticsStore implements AnalyticsStore {
  private readonly db: Database.Database;
  private readonly claim: Database.Statement<[string, string, number]>;
  private readonly insertAnswer: Database.Statement<[Record<string, unknown>]>;
  private readonly upsertVote: Database.Statement<[string, string, string, number]>;
  private readonly saveOffset: Database.Statement<[string, number, bigint]>;
  private readonly pending: Database.Statement<[string], { p: number }>;
  private readonly markPublished: Database.Statement<[string]>;
  private readonly readOffsets: Database.Statement<[], { topic: string; partition: number; offset: bigint }>;
  private readonly readOffset: Database.Statement<[string, number], { offset: bigint }>;
  private readonly summarize: (range: AnalyticsRange, now: number, collection?: string) => AnalyticsSummary;
  private readonly qaTx: (event: QaEvent, scored: QaSentiment, offset?: ConsumedOffset) => boolean;
  private readonly voteTx: (event: VoteEvent, offset?: ConsumedOffset) => boolean;
  private readonly batchTx: (items: readonly BatchItem[]) => number;
  private readonly markManyTx: (ids: readonly string[]) => void;
  private readonly buckets: BucketMaintenance;
  private readonly reads: AnswerQueries;
  private readonly collections: AnswerCollectionsTable;
  private readonly citations: AnswerCitationsTable;
  private readonly qualityReads: ReturnType<typeof qualityQueries>;

  constructor(db: Database.Database) {
    this.db = db;
    this.claim = db.prepare('INSERT INTO processed_events (event_id, kind, processed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.insertAnswer = db.prepare(INSERT_ANSWER_SQL);
    this.upsertVote = db.prepare(
      `INSERT INTO votes (answer_id, vote, event_id, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (answer_id) DO UPDATE SET vote = excluded.vote, event_id = excluded.event_id, at = excluded.at
        WHERE excluded.at > votes.at OR (excluded.at = votes.at AND excluded.event_id > votes.event_id)`,
    );
    this.saveOffset = db.prepare(
      `INSERT INTO consumer_offsets (topic, partition, "offset") VALUES (?, ?, ?)
       ON CONFLICT (topic, partition) DO UPDATE SET "offset" = max("offset", excluded."offset")`,
    );
    this.pending = db.prepare('SELECT 1 AS p FROM answers WHERE event_id = ? AND scored_published = 0');
    this.markPublished = db.prepare('UPDATE answers SET scored_published = 1 WHERE event_id = ?');
    this.readOffsets = db.prepare<[], { topic: string; partition: number; offset: bigint }>(
      'SELECT topic, partition, "offset" AS offset FROM consumer_offsets ORDER BY topic, partition',
    ).safeIntegers(true);
    this.readOffset = db.prepare<[string, number], { offset: bigint }>(
      'SELECT "offset" AS offset FROM consumer_offsets WHERE topic = ? AND partition = ?',
    ).safeIntegers(true);
    this.summarize = summaryQueries(db);
    this.buckets = new BucketMaintenance(db);
    this.reads = answerQueries(db);
    this.collections = answerCollectionsTable(db);
    this.citations = answerCitationsTable(db);
    this.qualityReads = qualityQueries(db);

    this.qaTx = this.buckets.transaction((event: QaEvent, scored: QaSentiment, offset?: ConsumedOffset): boolean => {
      const stored = this.applyQa(event, scored);
      if (offset) this.writeOffset(offset);
      return stored;
    });
    this.voteTx = this.buckets.transaction((event: VoteEvent, offset?: ConsumedOffset): boolean => {
      const fresh = this.applyVote(event);
      if (offset) this.writeOffset(offset);
      return fresh;
    });
    this.batchTx = this.buckets.transaction((items: readonly BatchItem[]): number => {
      let fresh = 0;
      const last = new Map<string, ConsumedOffset>();
      for (const item of items) {
        if (item.kind === 'qa' && this.applyQa(item.event, item.scored)) fresh++;
        if (item.kind === 'vote' && this.applyVote(item.event)) fresh++;
        const key = `${item.offset.topic}\u0000${item.offset.partition}`;
        const seen = last.get(key);
        if (!seen || BigInt(item.offset.offset) > BigInt(seen.offset)) last.set(key, item.offset);
      }
      for (const o of last.values()) this.writeOffset(o);
      return fresh;
    });
    this.markManyTx = db.transaction((ids: readonly string[]): void => {
      for (const id of ids) this.markPublished.run(id);
    });
  }

  /** Inside a transaction: claim the event id, then insert the answer if the claim was new. */
  private applyQa(event: QaEvent, scored: QaSentiment): boolean {
    const fresh = this.claim.run(event.eventId, 'qa', Date.now()).changes === 1;
    // A second qa event for the same answer (a redelivered request answered again) is ignored:
    // the first answer recorded is the one the user was shown and voted on.
    if (!fresh) return false;
    const row = answerRow(event, scored);
    if (this.insertAnswer.run(row).changes !== 1) return false;
    // The asking user is one more scope beside the collections (./schema.ts, answers.user_id).
    const user = event.userId === undefined ? [] : [{ id: userScope(event.userId), asked: false, cited: false }];
    const scopes = [...collectionsOfEvent(event), ...user];
    this.collections.insert(event.answerId, event.at, scopes);
    this.citations.insert(event.answerId, event.at, citedDocuments(event.sources, refusedOf(event)));
    this.buckets.answerStored(event, scored, scopes.map((c) => c.id));
    return true;
  }

  /** Inside a transaction: claim the event id, then apply the vote if the claim was new. */
  private applyVote(event: VoteEvent): boolean {
    const fresh = this.claim.run(event.eventId, 'vote', Date.now()).changes === 1;
    if (!fresh) return false;
    const before = this.buckets.voteBefore(event.answerId);
    // changes = 0 when the stored vote is newer (the upsert's WHERE): nothing moves.
    if (this.upsertVote.run(event.answerId, event.vote, event.eventId, event.at).changes === 1) this.buckets.voteChanged(event, before);
    return true;
  }

  applyBatch(items: readonly BatchItem[]): number {
    return this.batchTx(items);
  }

  markScoredPublishedMany(qaEventIds: readonly string[]): void {
    this.markManyTx(qaEventIds);
  }

  recordQa(event: QaEvent, scored: QaSentiment, offset?: ConsumedOffset): boolean {
    return this.qaTx(event, scored, offset);
  }

  recordVote(event: VoteEvent, offset?: ConsumedOffset): boolean {
    return this.voteTx(event, offset);
  }

  recordOffset(offset: ConsumedOffset): void {
    this.writeOffset(offset);
  }

  scoredPending(qaEventId: string): boolean {
    return this.pending.get(qaEventId) !== undefined;
  }

  markScoredPublished(qaEventId: string): void {
    this.markPublished.run(qaEventId);
  }

  offsets(): ConsumedOffset[] {
    return this.readOffsets.all().map((r) => ({ topic: r.topic, partition: Number(r.partition), offset: r.offset.toString() }));
  }

  processedEvents(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;
  }

  offset(topic: string, partition: number): string | undefined {
    return this.readOffset.get(topic, partition)?.offset.toString();
  }

  summary(range: AnalyticsRange, now: number = Date.now(), collection?: string): AnalyticsSummary {
    return this.summarize(range, now, collection);
  }

  answer(answerId: string): AnalyticsAnswer | undefined {
    return this.reads.answer(answerId);
  }

  answers(range: AnalyticsRange, limit: number, now: number = Date.now(), collection?: string): AnalyticsAnswerRow[] {
    return this.reads.answers(range, limit, now, collection);
  }

  answerPages(range: AnalyticsRange, pageSize = 1000, now: number = Date.now(), collection?: string): Generator<AnalyticsAnswerRow[], void, undefined> {
    return this.reads.pages(range, pageSize, now, collection);
  }

  quality(range: AnalyticsRange, query: QualityQuery = {}, now: number = Date.now(), collection?: string): AnalyticsQualityData {
    return this.qualityReads(range, query, now, collection);
  }

  check(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private writeOffset(o: ConsumedOffset): void {
    this.saveOffset.run(o.topic, o.partition, BigInt(o.offset));
  }
}
