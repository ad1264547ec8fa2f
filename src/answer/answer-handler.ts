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
 */
import { randomUUID } from 'node:crypto';
import { answerRequestSchema, type AnswerReply, type AnswerRequest, ANSWER_CONTRACT_VERSION } from '../contracts/answer.ts';
import { EVENT_VERSION, type QaEvent } from '../contracts/analytics.ts';
import { TOPICS } from '../contracts/names.ts';
import type { Source } from '../contracts/source.ts';
import { errorMessage, InvalidInputError, isRetryable, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { Delivery, DeliveryHandler, MessageBus } from '../ports/message-bus.ts';
import type { SearchHit } from '../ports/vector-store.ts';
import { StopSignal, type AnswerCancellations, type StopReason } from './answer-cancellations.ts';
import { condenseQuestion } from './condense.ts';
import { buildPrompt } from './prompt.ts';
import { TokenCoalescer } from './token-coalescer.ts';

export interface AnswerHandlerDeps {
  bus: MessageBus;
  events: EventLog;
  retriever: { search(query: string, k: number): Promise<SearchHit[]> };
  chat: ChatModel;
  workerId: string;
  systemPrompt: string | undefined;
  /** The consumer's maxAttempts: on the last attempt a failure is told to the asker. */
  maxAttempts: number;
  /** This worker's running answers, aborted by cancels and by the shutdown drain. */
  cancellations: AnswerCancellations;
  logger: Logger;
}

/** A reply without the fields every reply of one answer shares. */
type ReplyBody = AnswerReply extends infer R ? (R extends AnswerReply ? Omit<R, 'v' | 'answerId'> : never) : never;

export function createAnswerHandler(deps: AnswerHandlerDeps): DeliveryHandler {
  return async (delivery) => {
    const parsed = answerRequestSchema.safeParse(delivery.body);
    if (!parsed.success) {
      throw new InvalidInputError(`malformed answer request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    if (!delivery.replyTo) throw new InvalidInputError('answer request without a reply address');
    await answerOne(deps, parsed.data, delivery, delivery.replyTo);
  };
}

async function answerOne(deps: AnswerHandlerDeps, req: AnswerRequest, delivery: Delivery, replyTo: string): Promise<void> {
  const log = deps.logger.child({ answerId: req.answerId, messageId: delivery.messageId, attempt: delivery.attempt });
  // Replies leave in order: each waits for the one before.
  let chain: Promise<void> = Promise.resolve();
  const send = (body: ReplyBody): Promise<void> => {
    chain = chain.then(() => deps.bus.reply(replyTo, req.answerId, { v: ANSWER_CONTRACT_VERSION, answerId: req.answerId, ...body }));
    return chain;
  };

  const startedAt = Date.now();
  if (startedAt >= req.deadline) {
    log.warn('request expired before it was picked up');
    await send({ type: 'error', message: 'The question waited too long in the queue; please ask again.', retryable: true });
    return;
  }
  const abort = deps.cancellations.begin(req.answerId);
  if (!abort) {
    log.info('answer was cancelled before it started; skipped');
    await send({ type: 'error', message: 'The answer was stopped.', retryable: false });
    return;
  }
  let undeliverable: unknown;
  const deadlineTimer = setTimeout(() => abort.abort(new StopSignal('deadline')), req.deadline - startedAt);
  log.info({ chatId: req.chatId }, 'answering');
  try {
    // A follow-up is made self-contained first: the retriever sees only this one string.
    const condensed = await condenseQuestion(deps.chat, req.question, req.history, abort.signal, (why) => log.info(why + '; searching for the question as asked'));
    const searchedFor = condensed.rewritten ? { searchedFor: condensed.query } : {};
    const hits = await deps.retriever.search(condensed.query, req.settings.k);
    const retrievedAt = Date.now();
    const prompt = buildPrompt({
      question: req.question,
      history: req.history,
      hits,
      systemPrompt: deps.systemPrompt,
      contextSize: deps.chat.contextSize,
      maxTokens: req.settings.maxTokens,
      countTokens: (t) => deps.chat.countTokens(t),
    });
    const sources: Source[] = prompt.used.map((h, i) => ({
      n: i + 1,
      documentId: h.documentId,
      documentName: h.documentName,
      page: h.page,
      text: h.text,
      score: h.score,
      chunkId: h.chunkId,
      headingPath: h.headingPath ?? null,
      start: h.start,
      end: h.end,
    }));
    await send({ type: 'sources', attempt: delivery.attempt, worker: deps.workerId, sources, ...searchedFor });

    let seq = 0;
    const coalescer = new TokenCoalescer((text) => {
      send({ type: 'token', seq: seq++, text }).catch((err: unknown) => {
        // Replies go out in order, so once one fails (broker away) every later one fails too:
        // warn once and stop generating text nobody can receive; the request is redelivered.
        if (undeliverable !== undefined) return;
        undeliverable = err;
        log.warn({ err }, 'token reply failed; stopping this answer so it is redelivered');
        abort.abort(err);
      });
    });
    const generateStart = Date.now();
    const gen = await deps.chat.generate(prompt.messages, { settings: req.settings, signal: abort.signal, onText: (t) => coalescer.push(t) });
    // A model that returns the text so far on abort must not make a stopped answer look complete.
    if (abort.signal.aborted) throw abort.signal.reason;
    coalescer.flush();
    const finishedAt = Date.now();
    const timings = {
      queueWaitMs: Math.max(0, startedAt - req.requestedAt),
      retrievalMs: retrievedAt - startedAt,
      firstTokenMs: generateStart - req.requestedAt + gen.firstTokenMs,
      generationMs: finishedAt - generateStart,
      totalMs: finishedAt - req.requestedAt,
    };
    const tokens = { prompt: gen.promptTokens, completion: gen.completionTokens };
    const answer = gen.text.trim();
    await send({ type: 'done', answer, sources, ...searchedFor, worker: deps.workerId, model: deps.chat.name, tokens, timings });
    log.info({ timings, tokens }, 'answered');

    const event: QaEvent = {
      v: EVENT_VERSION,
      eventId: randomUUID(),
      answerId: req.answerId,
      chatId: req.chatId,
      question: req.question,
      answer,
      sources: sources.map((s) => ({ documentId: s.documentId, documentName: s.documentName, page: s.page })),
      settings: req.settings,
      model: deps.chat.name,
      worker: deps.workerId,
      timings,
      tokens,
      at: finishedAt,
    };
    // Analytics must never fail an answer: the event log buffers and retries by itself.
    deps.events.produce(TOPICS.qa, req.chatId, event).catch((err: unknown) => log.error({ err }, 'qa event lost'));
  } catch (err) {
    // Not an error reply: that could not be delivered either. A retryable error hands it back.
    if (undeliverable !== undefined) throw new UnavailableError('answer replies could not be delivered', { code: 'reply_failed', cause: undeliverable });
    if (abort.signal.aborted) {
      await stopped(stopReason(abort.signal), deps, delivery, log, send);
      return;
    }
    if (isRetryable(err) && delivery.attempt < deps.maxAttempts) {
      log.warn({ err }, 'answer failed, will retry');
      throw err;
    }
    log.error({ err }, 'answer failed');
    await send({ type: 'error', message: `The answer failed: ${errorMessage(err)}`, retryable: false });
  } finally {
    clearTimeout(deadlineTimer);
    deps.cancellations.end(req.answerId);
  }
}

function stopReason(signal: AbortSignal): StopReason {
  return signal.reason instanceof StopSignal ? signal.reason.reason : 'cancelled';
}

/** Tells the asker why generation stopped, or hands the request back for another worker. */
async function stopped(reason: StopReason, deps: AnswerHandlerDeps, delivery: Delivery, log: Logger, send: (b: ReplyBody) => Promise<void>): Promise<void> {
  if (reason === 'deadline') {
    log.warn('deadline passed during generation');
    await send({ type: 'error', message: 'The answer took longer than the time limit and was stopped.', retryable: true });
  } else if (reason === 'cancelled') {
    log.info('answer cancelled; generation stopped and its sequence freed');
    await send({ type: 'error', message: 'The answer was stopped.', retryable: false });
  } else if (delivery.attempt < deps.maxAttempts) {
    log.warn('worker shutting down before the answer finished; handing it back to the queue');
    throw new UnavailableError('answer worker shut down mid-answer', { code: 'shutdown' });
  } else {
    log.warn('worker shutting down on the last attempt of an answer');
    await send({ type: 'error', message: 'The worker answering was shut down; please ask again.', retryable: true });
  }
}
