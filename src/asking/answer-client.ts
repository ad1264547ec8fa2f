/**
 * The web's side of answering: publishes a question to `answer.requests` with this instance's
 * reply queue, and turns the replies for it (matched by correlation id = answer id) into an async
 * stream. Nobody is left waiting: the stream ends with `done`, `error`, or a timeout error at the
 * deadline. Leaving the stream early (the browser went away, Stop) forgets the answer and
 * broadcasts a cancel on `answer.cancels`, so the worker holding it stops generating and frees its
 * sequence (best effort: a lost cancel costs only the worker's time, bounded by the deadline).
 */
import { randomUUID } from 'node:crypto';
import { ANSWER_CONTRACT_VERSION, answerReplySchema, type AnswerCancel, type AnswerReply, type AnswerRequest } from '../contracts/answer.ts';
import { EXCHANGES, QUEUES } from '../contracts/names.ts';
import { errorMessage, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { AsyncQueue } from '../shared/async-queue.ts';
import { inSpan, messagingAttributes, SpanKind, traceHeaders } from '../tracing/trace-context.ts';
import type { AnswerService, AskHandle, AskInput } from '../ports/answer-service.ts';

/** The reply types this web knows; others (from a newer worker) are skipped quietly. */
const KNOWN_REPLY_TYPES: ReadonlySet<string> = new Set(answerReplySchema.options.map((o) => o.shape.type.value));

/** Seconds a refused asker is told to wait: about one short answer on a small worker pool. */
const BUSY_RETRY_AFTER_S = 5;

interface Pending {
  queue: AsyncQueue<AnswerReply>;
  timer: NodeJS.Timeout;
}

/**
 * The sources of a reply with their collection's name and, for a web page, its address added
 * (workers know only ids).
 */
export function namedSources(reply: AnswerReply, nameOf: ((id: string) => string | undefined) | undefined, urlOf: ((documentId: string) => string | undefined) | undefined): AnswerReply {
  if ((!nameOf && !urlOf) || (reply.type !== 'sources' && reply.type !== 'done')) return reply;
  const sources = reply.sources.map((s) => {
    const name = s.collectionId === undefined ? undefined : nameOf?.(s.collectionId);
    const url = urlOf?.(s.documentId);
    return { ...s, ...(name === undefined ? {} : { collectionName: name }), ...(url === undefined ? {} : { sourceUrl: url }) };
  });
  return { ...reply, sources };
}

export interface AnswerClient extends AnswerService {
  /** Answers still being waited for. */
  readonly inFlight: number;
  /** Ends every waiting stream with an error (shutdown). */
  close(): void;
}

export async function createAnswerClient(deps: {
  bus: MessageBus;
  timeoutMs: number;
  logger: Logger;
  /** The name of a collection by id, added to every source (a deleted one keeps none). */
  collectionName?: (id: string) => string | undefined;
  /** The web address a document was fetched from, added to its sources (shown as a link). */
  sourceUrl?: (documentId: string) => string | undefined;
}): Promise<AnswerClient> {
  const pending = new Map<string, Pending>();
  const log = deps.logger;

  const forget = (answerId: string): void => {
    const p = pending.get(answerId);
    if (!p) return;
    clearTimeout(p.timer);
    pending.delete(answerId);
  };

  /** Forgets an answer still being waited for and tells the workers to stop it. */
  const cancel = (answerId: string, reason: string): void => {
    if (!pending.has(answerId)) return;
    forget(answerId);
    const body: AnswerCancel = { v: ANSWER_CONTRACT_VERSION, answerId, reason };
    deps.bus.broadcast(EXCHANGES.answerCancels, body).catch((err: unknown) => log.warn({ answerId, err: errorMessage(err) }, 'cancel not delivered'));
  };

  const replyTo = await deps.bus.openReplyQueue((body, correlationId) => {
    const p = pending.get(correlationId);
    if (!p) return; // a late reply for an answer nobody waits for any more
    const parsed = answerReplySchema.safeParse(body);
    if (!parsed.success) {
      // A reply type from a newer worker is not an error: this web shows what it knows.
      const type = (body as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && !KNOWN_REPLY_TYPES.has(type)) {
        log.debug({ answerId: correlationId, type }, 'reply of an unknown type ignored');
        return;
      }
      log.warn({ answerId: correlationId, issues: parsed.error.issues }, 'malformed reply ignored');
      return;
    }
    p.queue.push(namedSources(parsed.data, deps.collectionName, deps.sourceUrl));
    if (parsed.data.type === 'done' || parsed.data.type === 'error') {
      forget(correlationId);
      p.queue.end();
    }
  });

  return {
    get inFlight() {
      return pending.size;
    },
    async ask(input: AskInput, signal?: AbortSignal): Promise<AskHandle> {
      const answerId = randomUUID();
      const chatId = input.chatId ?? randomUUID();
      const now = Date.now();
      const request: AnswerRequest = {
        v: ANSWER_CONTRACT_VERSION,
        id: randomUUID(),
        answerId,
        chatId,
        question: input.question,
        settings: input.settings,
        ...(input.history && input.history.length > 0 ? { history: input.history } : {}),
        ...(input.collections && input.collections.length > 0 ? { collections: input.collections } : {}),
        ...(input.feedback ? { feedback: input.feedback } : {}),
        ...(input.channel === undefined ? {} : { channel: input.channel }),
        ...(input.userId === undefined ? {} : { userId: input.userId }),
        requestedAt: now,
        deadline: now + deps.timeoutMs,
      };
      const queue = new AsyncQueue<AnswerReply>(() => cancel(answerId, 'reader left'));
      const timer = setTimeout(() => {
        cancel(answerId, 'timed out');
        queue.push({ v: ANSWER_CONTRACT_VERSION, answerId, type: 'error', message: 'No answer arrived in time; please try again.', retryable: true });
        queue.end();
      }, deps.timeoutMs + 2000);
      pending.set(answerId, { queue, timer });
      signal?.addEventListener('abort', () => {
        cancel(answerId, 'client disconnected');
        queue.end();
      });
      try {
        // The worker's spans continue this trace: its context travels in the message headers.
        await inSpan('answer.requests publish', { kind: SpanKind.PRODUCER, attributes: { ...messagingAttributes(deps.bus.kind, QUEUES.answerRequests, 'publish', request.id), 'docent.answer_id': answerId } }, () =>
          deps.bus.send(QUEUES.answerRequests, request, { messageId: request.id, correlationId: answerId, replyTo, headers: traceHeaders() }),
        );
      } catch (err) {
        forget(answerId);
        // The bounded request queue refused it: say so in words a person can act on (503 + Retry-After).
        if (err instanceof UnavailableError && err.code === 'queue_full') {
          throw new UnavailableError('Docent is busy answering other questions.', { code: 'busy', cause: err, retryAfterSeconds: BUSY_RETRY_AFTER_S });
        }
        throw err;
      }
      return { answerId, chatId, replies: queue };
    },
    close() {
      for (const [answerId, p] of [...pending]) {
        cancel(answerId, 'web shutting down');
        p.queue.push({ v: ANSWER_CONTRACT_VERSION, answerId, type: 'error', message: 'The service is shutting down; please ask again.', retryable: true });
        p.queue.end();
      }
    },
  };
}
