/**
 * Reads of single answers: the detail of one (by its unique answer id) and the newest answers of a
 * range for the CSV export (an indexed LIMIT on `at`, never a scan of the table).
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
}

export function answerQueries(db: Database.Database): AnswerQueries {
  const one = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id WHERE a.answer_id = ?`);
  const many = db.prepare<[number, number], Row>(
    `SELECT ${COLUMNS} FROM answers a LEFT JOIN votes v ON v.answer_id = a.answer_id
      WHERE a.at >= ? ORDER BY a.at DESC, a.rowid DESC LIMIT ?`,
  );
  return {
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
