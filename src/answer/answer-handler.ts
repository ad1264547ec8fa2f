/**
 * The answer worker's handler for one `answer.requests` message: embed and retrieve, build the
 * grounded prompt, generate with the request's sampling settings, stream coalesced text back to
 * the asker's reply queue, then publish the `qa` event. The message is acknowledged only after the
 * final reply went out (the bus does that when this resolves).
 *
 * Stopping: a cancel (`answer.cancels`), the deadline or a shutdown drain aborts generation, which
 * returns the model's sequence at once. A cancel or deadline ends with an `error` reply and an ack;
 * a shutdown throws a retryable error so the request is requeued for another worker (the asker sees
 * a new `sources` with a higher attempt), unless this was its last attempt.
 *
 * The steps live next door: answer-steps.ts (grounding, stage clock), answer-replies.ts (ordered
 * replies, token stream), prefill-speed.ts (the first-token estimate of the `reading` reply),
 * qa-event.ts (the analytics event), citation-check.ts (`cited` / `supported` on the `done` sources).
 *
 * Each delivery is one span, `answer.requests process`, continuing the trace of the web request
 * that asked (W3C trace context in the message headers); retrieval, prompt and generation are spans
 * under it and the qa event carries its context on to the analytics consumer. How each delivery
 * ended and, for an answer, its stage timings go to the metrics port.
 */
import { answerRequestSchema, type AnswerRequest, type Timings } from '../contracts/answer.ts';
import { QUEUES } from '../contracts/names.ts';
import type { Source } from '../contracts/source.ts';
import { errorMessage, InvalidInputError, isRetryable, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { NO_METRICS, type AnswerMetrics, type AnswerOutcome } from '../ports/metrics.ts';
import { contextFrom, inSpan, messagingAttributes, SpanKind } from '../tracing/trace-context.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { Delivery, DeliveryHandler, MessageBus } from '../ports/message-bus.ts';
import type { SearchHit } from '../ports/vector-store.ts';
import { StopSignal, type AnswerCancellations, type StopReason } from './answer-cancellations.ts';
import { AnswerReplies } from './answer-replies.ts';
import { groundQuestion, StageClock } from './answer-steps.ts';
import { checkCitations } from './citation-check.ts';
import type { InjectionGuardMode } from './injection-guard.ts';
import { PrefillSpeed } from './prefill-speed.ts';
import { publishQaEvent } from './qa-event.ts';

export interface AnswerHandlerDeps {
  bus: MessageBus;
  events: EventLog;
  retriever: { search(query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]> };
  chat: ChatModel;
  /** Checks each [n] of a finished answer against its passage (citation-check.ts); absent: sources go out unchecked. */
  embedder?: Pick<Embedder, 'embedDocuments'> | undefined;
  workerId: string;
  systemPrompt: string | undefined;
  /** Passages that read as instructions to the assistant: `drop` (default), `mark` or `off` (injection-guard.ts). */
  injectionGuard?: InjectionGuardMode | undefined;
  /** This worker's running answers, aborted by cancels and by the shutdown drain. */
  cancellations: AnswerCancellations;
  logger: Logger;
  /** Outcomes and stage timings; default none. */
  metrics?: AnswerMetrics;
}

export function createAnswerHandler(deps: AnswerHandlerDeps): DeliveryHandler {
  // Kept across this worker's answers: the estimate in each `reading` reply.
  const prefill = new PrefillSpeed();
  const metrics = deps.metrics ?? NO_METRICS;
  return (delivery) =>
    inSpan('answer.requests process', { kind: SpanKind.CONSUMER, parent: contextFrom(delivery.headers), attributes: messagingAttributes(deps.bus.kind, QUEUES.answerRequests, 'process', delivery.messageId) }, async (span) => {
      const parsed = answerRequestSchema.safeParse(delivery.body);
      if (!parsed.success) {
        metrics.answerEnded('rejected');
        throw new InvalidInputError(`malformed answer request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      if (!delivery.replyTo) {
        metrics.answerEnded('rejected');
        throw new InvalidInputError('answer request without a reply address');
      }
      span.setAttributes({ 'docent.answer_id': parsed.data.answerId, 'docent.attempt': delivery.attempt, 'docent.worker': deps.workerId });
      const outcome = await answerOne(deps, parsed.data, delivery, new AnswerReplies(deps.bus, delivery.replyTo, parsed.data.answerId), prefill).catch((err: unknown) => {
        // Thrown back to the bus: tried again, unless this was the last attempt (dead-lettered).
        metrics.answerEnded(delivery.lastAttempt ? 'failed' : 'requeued');
        throw err;
      });
      span.setAttribute('docent.outcome', outcome);
      metrics.answerEnded(outcome);
    });
}

async function answerOne(deps: AnswerHandlerDeps, req: AnswerRequest, delivery: Delivery, replies: AnswerReplies, prefill: PrefillSpeed): Promise<AnswerOutcome> {
  const log = deps.logger.child({ answerId: req.answerId, messageId: delivery.messageId, attempt: delivery.attempt });
  const clock = new StageClock(req.requestedAt);
  if (clock.startedAt >= req.deadline) {
    log.warn('request expired before it was picked up');
    await replies.send({ type: 'error', message: 'The question waited too long in the queue; please ask again.', retryable: true });
    return 'expired';
  }
  const abort = deps.cancellations.begin(req.answerId);
  if (!abort) {
    log.info('answer was cancelled before it started; skipped');
    await replies.send({ type: 'error', message: 'The answer was stopped.', retryable: false });
    return 'cancelled';
  }
  const deadlineTimer = setTimeout(() => abort.abort(new StopSignal('deadline')), req.deadline - clock.startedAt);
  log.info({ chatId: req.chatId }, 'answering');
  try {
    const { timings, completionTokens } = await answerGrounded(deps, req, delivery, replies, clock, abort, prefill, log);
    (deps.metrics ?? NO_METRICS).answerTimed(timings, completionTokens);
    return 'answered';
  } catch (err) {
    return await failed(err, deps, delivery, replies, abort.signal, log);
  } finally {
    clearTimeout(deadlineTimer);
    deps.cancellations.end(req.answerId);
  }
}

/** Grounds the question, streams the generated answer, sends `done` and publishes the qa event. */
async function answerGrounded(
  deps: AnswerHandlerDeps,
  req: AnswerRequest,
  delivery: Delivery,
  replies: AnswerReplies,
  clock: StageClock,
  abort: AbortController,
  prefill: PrefillSpeed,
  log: Logger,
): Promise<{ timings: Timings; completionTokens: number }> {
  const { messages, sources, inPrompt, searchedFor, bestSimilarity } = await groundQuestion(deps, req, clock, abort.signal, log);
  await replies.send({ type: 'sources', attempt: delivery.attempt, worker: deps.workerId, sources, ...searchedFor });

  const undeliverable = (what: string) => (err: unknown): void => {
    log.warn({ err }, `${what} reply failed; stopping this answer so it is redelivered`);
    abort.abort(err);
  };
  const tokens = replies.tokens(undeliverable('token'));
  // Before the first token: what the model reads and, by this worker's own speed, for how long.
  const onPrompt = (promptTokens: number): void =>
    replies.sendLater({ type: 'reading', passages: inPrompt, promptTokens, estimateMs: prefill.estimateMs(promptTokens) }, undeliverable('reading'));
  clock.generating();
  const gen = await inSpan('generation', { attributes: { 'gen_ai.request.model': deps.chat.name, 'gen_ai.request.max_tokens': req.settings.maxTokens } }, async (span) => {
    const g = await deps.chat.generate(messages, { settings: req.settings, signal: abort.signal, onPrompt, onText: (t) => tokens.push(t) });
    span.setAttributes({ 'gen_ai.usage.input_tokens': g.promptTokens, 'gen_ai.usage.output_tokens': g.completionTokens });
    return g;
  });
  // A model that returns the text so far on abort must not make a stopped answer look complete.
  if (abort.signal.aborted) throw abort.signal.reason;
  tokens.flush();
  if (gen.completionTokens > 0) prefill.measured(gen.promptTokens, gen.firstTokenMs);
  const { timings, finishedAt } = clock.finished(gen.firstTokenMs);
  const answer = gen.text.trim();
  const tokenCounts = { prompt: gen.promptTokens, completion: gen.completionTokens };
  const checked = await checkedSources(deps, answer, sources, log);
  const done = { answer, sources: checked, ...searchedFor, worker: deps.workerId, model: deps.chat.name, tokens: tokenCounts, timings };
  await replies.send({ type: 'done', ...done });
  log.info({ timings, tokens: done.tokens }, 'answered');
  publishQaEvent(deps.events, req, done, finishedAt, log, { bestSimilarity });
  return { timings, completionTokens: gen.completionTokens };
}

/** The sources with the citation check's findings; unchecked when there is no embedder or it failed. */
async function checkedSources(deps: AnswerHandlerDeps, answer: string, sources: Source[], log: Logger): Promise<Source[]> {
  const embedder = deps.embedder;
  if (!embedder) return sources;
  try {
    const check = await checkCitations(answer, sources, (texts) => embedder.embedDocuments(texts));
    if (check.unknown.length > 0) log.warn({ unknown: check.unknown }, 'the answer cites numbers that name no source');
    const unsupported = check.sources.filter((s) => s.supported === false).map((s) => s.n);
    if (unsupported.length > 0) log.info({ unsupported }, 'cited sources that may not support their sentences');
    return check.sources;
  } catch (err) {
    // The answer is complete and worth having without the check.
    log.warn({ err }, 'citation check failed; sources sent unchecked');
    return sources;
  }
}

/** Maps a failed answer to an error reply, or a throw that hands it back to the queue. */
async function failed(err: unknown, deps: AnswerHandlerDeps, delivery: Delivery, replies: AnswerReplies, signal: AbortSignal, log: Logger): Promise<AnswerOutcome> {
  // Not an error reply: that could not be delivered either. A retryable error hands it back.
  const undeliverable = replies.undeliverable;
  if (undeliverable) throw new UnavailableError('answer replies could not be delivered', { code: 'reply_failed', cause: undeliverable.err });
  if (signal.aborted) return stopped(stopReason(signal), delivery, replies, log);
  if (isRetryable(err) && !delivery.lastAttempt) {
    log.warn({ err }, 'answer failed, will retry');
    throw err;
  }
  log.error({ err }, 'answer failed');
  await replies.send({ type: 'error', message: `The answer failed: ${errorMessage(err)}`, retryable: false });
  return 'failed';
}

function stopReason(signal: AbortSignal): StopReason {
  return signal.reason instanceof StopSignal ? signal.reason.reason : 'cancelled';
}

/** Tells the asker why generation stopped, or hands the request back for another worker. */
async function stopped(reason: StopReason, delivery: Delivery, replies: AnswerReplies, log: Logger): Promise<AnswerOutcome> {
  if (reason === 'deadline') {
    log.warn('deadline passed during generation');
    await replies.send({ type: 'error', message: 'The answer took longer than the time limit and was stopped.', retryable: true });
    return 'timed_out';
  } else if (reason === 'cancelled') {
    log.info('answer cancelled; generation stopped and its sequence freed');
    await replies.send({ type: 'error', message: 'The answer was stopped.', retryable: false });
    return 'cancelled';
  } else if (!delivery.lastAttempt) {
    log.warn('worker shutting down before the answer finished; handing it back to the queue');
    throw new UnavailableError('answer worker shut down mid-answer', { code: 'shutdown' });
  } else {
    log.warn('worker shutting down on the last attempt of an answer');
    await replies.send({ type: 'error', message: 'The worker answering was shut down; please ask again.', retryable: true });
    return 'failed';
  }
}
