/**
 * The Kafka `qa` event of one answered question (contracts/analytics.ts): what was asked, what was
 * answered from which documents (and the collection each passage came from), over which
 * collections (empty: all), who asked (an internal user id, when sign-in is on), which passages the injection guard flagged, with which settings, model and worker, and how long each stage took. The analytics consumer scores and aggregates it.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerDone, AnswerRequest } from '../contracts/answer.ts';
import { EVENT_VERSION, type QaEvent } from '../contracts/analytics.ts';
import { TOPICS } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { EventLog } from '../ports/event-log.ts';
import { context, failSpan, messagingAttributes, SpanKind, startSpan, traceHeaders, withSpan } from '../tracing/trace-context.ts';

export type AnswerOutcome = Pick<AnswerDone, 'answer' | 'sources' | 'model' | 'worker' | 'timings' | 'tokens'>;

export function qaEvent(req: AnswerRequest, done: AnswerOutcome, at: number): QaEvent {
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
    })),
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
export function publishQaEvent(events: EventLog, req: AnswerRequest, done: AnswerOutcome, at: number, log: Logger): void {
  const span = startSpan('qa publish', { kind: SpanKind.PRODUCER, attributes: messagingAttributes(events.kind, TOPICS.qa, 'publish') });
  events
    .produce(TOPICS.qa, req.chatId, qaEvent(req, done, at), traceHeaders(withSpan(context.active(), span)))
    .catch((err: unknown) => {
      failSpan(span, err);
      log.error({ err }, 'qa event lost');
    })
    .finally(() => span.end());
}
