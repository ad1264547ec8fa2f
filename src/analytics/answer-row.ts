/**
 * How a qa event is stored: the INSERT into `answers` (./schema.ts) and the row of named
 * parameters it takes, kept together because each `@name` of the statement is a key of the row.
 * The insert does nothing for an answer id already stored (the first answer recorded wins).
 */
import type { QaEvent } from '../contracts/analytics.ts';
import type { SentimentScore } from './sentiment.ts';
import { refusedOf } from './answer-citations.ts';
import { tokensPerSecond } from './throughput.ts';

export const INSERT_ANSWER_SQL = `INSERT INTO answers (event_id, answer_id, chat_id, question, answer, worker, model,
         queue_wait_ms, retrieval_ms, first_token_ms, generation_ms, total_ms,
         prompt_tokens, completion_tokens, tokens_per_second,
         question_score, question_comparative, answer_score, answer_comparative, at, sources, settings, channel, user_id, refused, best_similarity, flagged_sources)
       VALUES (@eventId, @answerId, @chatId, @question, @answer, @worker, @model,
         @queueWaitMs, @retrievalMs, @firstTokenMs, @generationMs, @totalMs,
         @promptTokens, @completionTokens, @tokensPerSecond,
         @questionScore, @questionComparative, @answerScore, @answerComparative, @at, @sources, @settings, @channel, @userId, @refused, @bestSimilarity, @flaggedSources)
       ON CONFLICT DO NOTHING`;

/**
 * The named parameters of INSERT_ANSWER_SQL for one scored qa event. The scores are typed by shape
 * (./store.ts QaSentiment), as in ./bucket-maintenance.ts, so this file does not import the store back.
 */
export function answerRow(e: QaEvent, s: { question: SentimentScore; answer: SentimentScore }): Record<string, unknown> {
  return {
    eventId: e.eventId,
    answerId: e.answerId,
    chatId: e.chatId,
    question: e.question,
    answer: e.answer,
    worker: e.worker,
    model: e.model,
    queueWaitMs: e.timings.queueWaitMs,
    retrievalMs: e.timings.retrievalMs,
    firstTokenMs: e.timings.firstTokenMs,
    generationMs: e.timings.generationMs,
    totalMs: e.timings.totalMs,
    promptTokens: e.tokens.prompt,
    completionTokens: e.tokens.completion,
    tokensPerSecond: tokensPerSecond(e.tokens.completion, e.timings.generationMs),
    questionScore: s.question.score,
    questionComparative: s.question.comparative,
    answerScore: s.answer.score,
    answerComparative: s.answer.comparative,
    at: e.at,
    sources: JSON.stringify(e.sources),
    settings: JSON.stringify(e.settings),
    channel: e.channel ?? null,
    userId: e.userId ?? null,
    refused: refusedOf(e) ? 1 : 0,
    bestSimilarity: e.bestSimilarity ?? null,
    flaggedSources: flaggedSources(e),
  };
}

/** How many of an event's sources the prompt-injection guard flagged (src/answer/injection-guard.ts). */
export function flaggedSources(e: Pick<QaEvent, 'sources'>): number {
  return e.sources.filter((s) => s.flagged === true).length;
}
