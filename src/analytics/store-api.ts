/**
 * What the analytics store is to its callers: the interface (./store.ts opens the SQLite one,
 * ./sqlite-store.ts), a consumed record's offset, the sentiment of a qa event and the items of a
 * consumed batch. Kept apart so the consumer, the readers and the store itself share one definition.
 */
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { QaEvent, VoteEvent } from '../contracts/analytics.ts';
import type { AnalyticsQualityData, QualityQuery } from '../contracts/analytics-quality.ts';
import type { SentimentScore } from './sentiment.ts';

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
