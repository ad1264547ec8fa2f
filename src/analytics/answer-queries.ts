/**
 * Reads of single answers: the detail of one (by its unique answer id), the newest answers of a
 * range (an indexed LIMIT on `at`), and every answer of a range in pages for the streamed CSV export.
 *
 * Export pages use keyset pagination on (at, rowid), newest first, each page one short query on the
 * `at` index. Why not one open cursor (`.iterate()`): a better-sqlite3 connection refuses writes
 * while a statement is being iterated, and in the all-in-one process the consumer writes through
 * the same connection, so a slow download would stall consumption. Between pages the consumer
 * writes freely; an answer stored after the export started is newer than its first row and so not
 * in it (a late answer with an older event time may be).
 *
 * Restricted to one collection (answers asked over it or citing it, ./answer-collections.ts) the
 * rows are read from that collection's entries in `answer_collections`, an index range on
 * (collection, at, answer id), with keyset (at, answer id): as cheap per row as the unfiltered reads.
 * Each row lists the ids of its collections (not the user and channel scopes, which share the table).
 */
import type Database from 'better-sqlite3';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange } from '../contracts/analytics-summary.ts';
import { rangeStart } from './range.ts';

interface Row {
  answerId: string;
  chatId: string;
  at: number;
  question: string;
  answer: string;
  vote: 'up' | 'down' | null;
  votedAt: number | null;
  questionScore: number;
  questionSentiment: number;
  answerScore: number;
  answerSentiment: number;
  queueWaitMs: number;
  retrievalMs: number;
  firstTokenMs: number;
  generationMs: number;
  totalMs: number;
  tokensPerSecond: number | null;
  promptTokens: number;
  completionTokens: number;
  worker: string;
  model: string;
  sources: string;
  settings: string | null;
  /** Comma-separated collection ids (group_concat), null when none. */
  collectionIds: string | null;
  userId: string | null;
  channel: string | null;
  flaggedSources: number;
}

const COLUMNS = `a.answer_id AS answerId, a.chat_id AS chatId, a.at AS at, a.question AS question, a.answer AS answer,
  v.vote AS vote, v.at AS votedAt, a.question_score AS questionScore, a.question_comparative AS questionSentiment,
  a.answer_score AS answerScore, a.answer_comparative AS answerSentiment, a.queue_wait_ms AS queueWaitMs,
  a.retrieval_ms AS retrievalMs, a.first_token_ms AS firstTokenMs, a.generation_ms AS generationMs,
  a.total_ms AS totalMs, a.tokens_per_second AS tokensPerSecond, a.prompt_tokens AS promptTokens,
  a.completion_tokens AS completionTokens, a.worker AS worker, a.model AS model, a.sources AS sources,
  a.settings AS settings,
  a.user_id AS userId, a.channel AS channel, a.flagged_sources AS flaggedSources,
  (SELECT group_concat(ac.collection_id) FROM answer_collections ac WHERE ac.answer_id = a.answer_id AND ac.collection_id NOT LIKE 'user:%' AND ac.collection_id NOT LIKE 'channel:%') AS collectionIds`;

const FROM = 'FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id';
/** One collection's answers: its index range first, then the answer and its vote. */
const FROM_COLLECTION = 'FROM answer_collections c JOIN answers a ON a.answer_id = c.answer_id LEFT JOIN votes v ON v.answer_id = a.answer_id';

function toRow(r: Row): AnalyticsAnswerRow {
  return {
    answerId: r.answerId,
    at: r.at,
    question: r.question,
    answer: r.answer,
    vote: r.vote,
    questionSentiment: r.questionSentiment,
    answerSentiment: r.answerSentiment,
    timings: { queueWaitMs: r.queueWaitMs, retrievalMs: r.retrievalMs, firstTokenMs: r.firstTokenMs, generationMs: r.generationMs, totalMs: r.totalMs },
    tokensPerSecond: r.tokensPerSecond,
    worker: r.worker,
    model: r.model,
    collections: r.collectionIds ? r.collectionIds.split(',').sort() : [],
    userId: r.userId,
    channel: r.channel,
    flaggedSources: r.flaggedSources,
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface AnswerQueries {
  answer(answerId: string): AnalyticsAnswer | undefined;
  /** With `collection`: only the answers asked over it or citing it. */
  answers(range: AnalyticsRange, limit: number, now: number, collection?: string): AnalyticsAnswerRow[];
  pages(range: AnalyticsRange, pageSize: number, now: number, collection?: string): Generator<AnalyticsAnswerRow[], void, undefined>;
}

type Keyed = Row & { k1: number; k2: number | string };

export function answerQueries(db: Database.Database): AnswerQueries {
  const one = db.prepare<[string], Row>(`SELECT ${COLUMNS} ${FROM} WHERE a.answer_id = ?`);
  // Newest first; k1/k2 is the keyset of the next page: (at, rowid) overall, (at, answer id) in one collection.
  const firstPage = db.prepare<[number, number], Keyed>(`SELECT ${COLUMNS}, a.at AS k1, a.rowid AS k2 ${FROM} WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`);
  const nextPage = db.prepare<[number, number, number | string, number], Keyed>(
    `SELECT ${COLUMNS}, a.at AS k1, a.rowid AS k2 ${FROM} WHERE a.at >= ? AND (a.at, a.rowid) < (?, ?) ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  const firstInCollection = db.prepare<[string, number, number], Keyed>(
    `SELECT ${COLUMNS}, c.at AS k1, c.answer_id AS k2 ${FROM_COLLECTION} WHERE c.collection_id = ? AND c.at >= ? ORDER BY c.at DESC, c.answer_id DESC LIMIT ?`,
  );
  const nextInCollection = db.prepare<[string, number, number, number | string, number], Keyed>(
    `SELECT ${COLUMNS}, c.at AS k1, c.answer_id AS k2 ${FROM_COLLECTION}
      WHERE c.collection_id = ? AND c.at >= ? AND (c.at, c.answer_id) < (?, ?) ORDER BY c.at DESC, c.answer_id DESC LIMIT ?`,
  );
  const first = (since: number, n: number, collection?: string): Keyed[] =>
    collection === undefined ? firstPage.all(since, n) : firstInCollection.all(collection, since, n);
  const next = (since: number, last: Keyed, n: number, collection?: string): Keyed[] =>
    collection === undefined ? nextPage.all(since, last.k1, last.k2, n) : nextInCollection.all(collection, since, last.k1, last.k2, n);
  return {
    *pages(range, pageSize, now, collection) {
      const since = rangeStart(range, now);
      let rows = first(since, pageSize, collection);
      while (rows.length > 0) {
        yield rows.map(toRow);
        if (rows.length < pageSize) return;
        rows = next(since, rows[rows.length - 1]!, pageSize, collection);
      }
    },
    answer(answerId) {
      const r = one.get(answerId);
      if (!r) return undefined;
      const sources = parseJson(r.sources);
      const settings = parseJson(r.settings);
      return {
        ...toRow(r),
        chatId: r.chatId,
        sources: Array.isArray(sources) ? (sources as AnalyticsAnswer['sources']) : [],
        settings: settings && typeof settings === 'object' ? (settings as Record<string, unknown>) : null,
        tokens: { prompt: r.promptTokens, completion: r.completionTokens },
        scores: {
          question: { score: r.questionScore, comparative: r.questionSentiment },
          answer: { score: r.answerScore, comparative: r.answerSentiment },
        },
        votedAt: r.votedAt,
      };
    },
    answers(range, limit, now, collection) {
      return first(rangeStart(range, now), limit, collection).map(toRow);
    },
  };
}
