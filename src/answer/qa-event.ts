/**
 * The Kafka `qa` event of one answered question (contracts/analytics.ts): what was asked, what was
 * answered from which documents (and the collection each passage came from), over which
 * collections (empty: all), who asked (an internal user id, when sign-in is on), which passages the injection guard flagged, which the answer cites, whether it refused and how
 * close the best retrieved passage was, with which settings, model and worker, and how long each stage took. The analytics consumer scores and aggregates it.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerDone, AnswerRequest } from '../contracts/answer.ts';
import { EVENT_VERSION, type QaEvent } from '../contracts/analytics.ts';
import { citationMarkers } from '../contracts/citations.ts';
import { TOPICS } from '../contracts/names.ts';
import { isRefusal } from '../contracts/refusal.ts';
import type { Logger } from '../log.ts';
import type { EventLog } from '../ports/event-log.ts';
import { context, failSpan, messagingAttributes, SpanKind, startSpan, traceHeaders, withSpan } from '../tracing/trace-context.ts';

export type AnswerOutcome = Pick<AnswerDone, 'answer' | 'sources' | 'model' | 'worker' | 'timings' | 'tokens'>;

/** What retrieval found, for the quality view: the best cosine similarity (null: none computed). */
export interface RetrievalQuality {
  bestSimilarity: number | null;
}

export function qaEvent(req: AnswerRequest, done: AnswerOutcome, at: number, retrieval?: RetrievalQuality): QaEvent {
  // The citation check's `cited` when it ran; otherwise the answer's own [n] markers say.
  const marked = new Set(citationMarkers(done.answer).flatMap((m) => m.numbers));
  return {
    v: EVENT_VERSION,
    eventId: randomUUID(),
    answerId: req.answerId,
    chatId: req.chatId,
    question: req.question,
    answer: done.answer,
    sources: done.sources.map((s) => ({
      documentId: s.documentId,
      documentName: s.documentName,
      page: s.page,
      ...(s.collectionId === undefined ? {} : { collectionId: s.collectionId }),
      ...(s.flagged === true ? { flagged: true } : {}),
      cited: s.cited ?? marked.has(s.n),
    })),
    refused: isRefusal(done.answer),
    ...(retrieval === undefined ? {} : { bestSimilarity: retrieval.bestSimilarity }),
    collections: [...(req.collections ?? [])],
    ...(req.channel === undefined ? {} : { channel: req.channel }),
    ...(req.userId === undefined ? {} : { userId: req.userId }),
    settings: req.settings,
    model: done.model,
    worker: done.worker,
    timings: done.timings,
    tokens: done.tokens,
    at,
  };
}

/**
 * Publishes the event without waiting: analytics must never fail an answer (the log buffers and
 * retries). A `qa publish` span, ended when the log has the record, carries the trace on in the
 * record's headers to the analytics consumer.
 */
export function publishQaEvent(events: EventLog, req: AnswerRequest, done: AnswerOutcome, at: number, log: Logger, retrieval?: RetrievalQuality): void {
  const span = startSpan('qa publish', { kind: SpanKind.PRODUCER, attributes: messagingAttributes(events.kind, TOPICS.qa, 'publish') });
  events
    .produce(TOPICS.qa, req.chatId, qaEvent(req, done, at, retrieval), traceHeaders(withSpan(context.active(), span)))
    .catch((err: unknown) => {
      failSpan(span, err);
      log.error({ err }, 'qa event lost');
    })
    .finally(() => span.end());
}
