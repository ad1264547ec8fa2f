/**
 * Keeps the incremental buckets (./buckets.ts) in step with the rows the store writes: what a newly
 * stored answer and a vote that won add to (or move within) the buckets, gathered per transaction
 * and written by ./bucket-writer.ts just before that transaction commits.
 *
 * Rules (see ./buckets.ts for why): a vote counts in the bucket of its answer; a re-vote takes the
 * old vote out and puts the new one in; a vote that arrived before its answer is counted when the
 * answer arrives. Each also counts in the buckets of the answer's collections (./answer-collections.ts).
 */
import type Database from 'better-sqlite3';
import type { QaEvent, VoteEvent } from '../contracts/analytics.ts';
import { answerCollectionsTable, type AnswerCollectionsTable } from './answer-collections.ts';
import { flaggedSources } from './answer-row.ts';
import { bucketWriter, type BucketWriter } from './bucket-writer.ts';
import { Aggregator } from './buckets.ts';
import type { SentimentScore } from './sentiment.ts';
import { tokensPerSecond } from './throughput.ts';

export class BucketMaintenance {
  private readonly readVote: Database.Statement<[string], { vote: 'up' | 'down' }>;
  private readonly readAnswerAgg: Database.Statement<[string], { at: number; a: number }>;
  private readonly write: BucketWriter;
  private readonly collections: AnswerCollectionsTable;
  /** The aggregates of the transaction in progress; flushed before it commits. */
  private agg = new Aggregator();

  constructor(private readonly db: Database.Database) {
    this.readVote = db.prepare('SELECT vote FROM votes WHERE answer_id = ?');
    this.readAnswerAgg = db.prepare('SELECT at, answer_comparative AS a FROM answers WHERE answer_id = ?');
    this.write = bucketWriter(db);
    this.collections = answerCollectionsTable(db);
  }

  /**
   * Wraps fn in a write transaction that starts with empty aggregates and writes them before it
   * commits; a throw discards both the rows and the aggregates. IMMEDIATE: the write lock is taken
   * at BEGIN, so two consumer processes sharing the file wait for each other (busy_timeout)
   * instead of one failing on a snapshot that went stale between its first read and first write.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const tx = this.db.transaction((...args: A): R => {
      this.agg = new Aggregator();
      const result = fn(...args);
      this.write(this.agg);
      return result;
    });
    return (...args: A): R => {
      try {
        return tx.immediate(...args);
      } finally {
        this.agg = new Aggregator();
      }
    };
  }

  /** Inside a transaction: a newly stored answer of `collections` (and a vote that was waiting for it). */
  answerStored(event: QaEvent, scored: { question: SentimentScore; answer: SentimentScore }, collections: readonly string[]): void {
    const t = event.timings;
    const scopes = ['', ...collections];
    this.agg.addAnswer({
      at: event.at,
      questionComparative: scored.question.comparative,
      answerComparative: scored.answer.comparative,
      tokensPerSecond: tokensPerSecond(event.tokens.completion, t.generationMs),
      timings: { total: t.totalMs, queueWait: t.queueWaitMs, retrieval: t.retrievalMs, firstToken: t.firstTokenMs, generation: t.generationMs },
      flaggedSources: flaggedSources(event),
    }, scopes);
    const vote = this.readVote.get(event.answerId);
    if (vote) this.agg.addVote(event.at, scored.answer.comparative, vote.vote, 1, scopes);
  }

  /** Inside a transaction, BEFORE the vote is written: the answer's current vote, if any. */
  voteBefore(answerId: string): 'up' | 'down' | undefined {
    return this.readVote.get(answerId)?.vote;
  }

  /** Inside a transaction: a vote that replaced `before` (undefined: the answer's first vote). */
  voteChanged(event: VoteEvent, before: 'up' | 'down' | undefined): void {
    if (before === event.vote) return;
    const answer = this.readAnswerAgg.get(event.answerId);
    // No answer yet: answerStored counts the vote when it arrives.
    if (!answer) return;
    const scopes = ['', ...this.collections.of(event.answerId)];
    if (before) this.agg.addVote(answer.at, answer.a, before, -1, scopes);
    this.agg.addVote(answer.at, answer.a, event.vote, 1, scopes);
  }
}
