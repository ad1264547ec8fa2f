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
}

const COLUMNS = `a.answer_id AS answerId, a.chat_id AS chatId, a.at AS at, a.question AS question, a.answer AS answer,
  v.vote AS vote, v.at AS votedAt, a.question_score AS questionScore, a.question_comparative AS questionSentiment,
  a.answer_score AS answerScore, a.answer_comparative AS answerSentiment, a.queue_wait_ms AS queueWaitMs,
  a.retrieval_ms AS retrievalMs, a.first_token_ms AS firstTokenMs, a.generation_ms AS generationMs,
  a.total_ms AS totalMs, a.tokens_per_second AS tokensPerSecond, a.prompt_tokens AS promptTokens,
  a.completion_tokens AS completionTokens, a.worker AS worker, a.model AS model, a.sources AS sources,
  a.settings AS settings`;

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
  answers(range: AnalyticsRange, limit: number, now: number): AnalyticsAnswerRow[];
  pages(range: AnalyticsRange, pageSize: number, now: number): Generator<AnalyticsAnswerRow[], void, undefined>;
}

export function answerQueries(db: Database.Database): AnswerQueries {
  const one = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id WHERE a.answer_id = ?`);
  const many = db.prepare<[number, number], Row>(
    `SELECT ${COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  const firstPage = db.prepare<[number, number], Row & { rid: number }>(
    `SELECT ${COLUMNS}, a.rowid AS rid FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  const nextPage = db.prepare<[number, number, number, number], Row & { rid: number }>(
    `SELECT ${COLUMNS}, a.rowid AS rid FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? AND (a.at, a.rowid) < (?, ?) ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  return {
    *pages(range, pageSize, now) {
      const since = rangeStart(range, now);
      let rows = firstPage.all(since, pageSize);
      while (rows.length > 0) {
        yield rows.map(toRow);
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        rows = nextPage.all(since, last.at, last.rid, pageSize);
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
    answers(range, limit, now) {
      return many.all(rangeStart(range, now), limit).map(toRow);
    },
  };
}
