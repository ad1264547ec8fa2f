/**
 * The SQLite implementation of the analytics store (./store-api.ts): the prepared statements, the
 * idempotent write transactions (claim the event id, apply only a new claim, record the offset; see
 * ./store.ts) and the reads, delegated to the query modules of this folder. Opened by ./store.ts.
 */
import type Database from 'better-sqlite3';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { QaEvent, VoteEvent } from '../contracts/analytics.ts';
import { answerCitationsTable, citedDocuments, refusedOf, type AnswerCitationsTable } from './answer-citations.ts';
import { answerCollectionsTable, collectionsOfEvent, type AnswerCollectionsTable } from './answer-collections.ts';
import { answerQueries, type AnswerQueries } from './answer-queries.ts';
import { answerRow, INSERT_ANSWER_SQL } from './answer-row.ts';
import { BucketMaintenance } from './bucket-maintenance.ts';
import { qualityQueries } from './quality.ts';
import type { AnalyticsQualityData, QualityQuery } from '../contracts/analytics-quality.ts';
import { channelScope, userScope } from '../contracts/analytics-scope.ts';
import type { AnalyticsStore, BatchItem, ConsumedOffset, QaSentiment } from './store-api.ts';
import { summaryQueries } from './summary.ts';

export class SqliteAnalyticsStore implements AnalyticsStore {
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
    // The asking user and the channel are more scopes beside the collections (./schema.ts,
    // answers.user_id and answers.channel); an event from before channels came through the web.
    const user = event.userId === undefined ? [] : [{ id: userScope(event.userId), asked: false, cited: false }];
    const channel = { id: channelScope(event.channel ?? 'web'), asked: false, cited: false };
    const scopes = [...collectionsOfEvent(event), ...user, channel];
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
