/**
 * The web's side of answering: publishes a question to `answer.requests` with this instance's
 * reply queue, and turns the replies for it (matched by correlation id = answer id) into an async
 * stream. Nobody is left waiting: the stream ends with `done`, `error`, or a timeout error at the
 * deadline. Leaving the stream early (the browser went away) forgets the answer.
 */
import { randomUUID } from 'node:crypto';
import { ANSWER_CONTRACT_VERSION, answerReplySchema, type AnswerReply, type AnswerRequest } from '../contracts/answer.ts';
import { QUEUES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { AsyncQueue } from '../shared/async-queue.ts';
import type { AnswerService, AskHandle, AskInput } from '../web/services.ts';

interface Pending {
  queue: AsyncQueue<AnswerReply>;
  timer: NodeJS.Timeout;
}

export interface AnswerClient extends AnswerService {
  /** Answers still being waited for. */
  readonly inFlight: number;
  /** Ends every waiting stream with an error (shutdown). */
  close(): void;
}

export async function createAnswerClient(deps: { bus: MessageBus; timeoutMs: number; logger: Logger }): Promise<AnswerClient> {
  const pending = new Map<string, Pending>();
  const log = deps.logger;

  const forget = (answerId: string): void => {
    const p = pending.get(answerId);
    if (!p) return;
    clearTimeout(p.timer);
    pending.delete(answerId);
  };

  const replyTo = await deps.bus.openReplyQueue((body, correlationId) => {
    const p = pending.get(correlationId);
    if (!p) return; // a late reply for an answer nobody waits for any more
    const parsed = answerReplySchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ answerId: correlationId, issues: parsed.error.issues }, 'malformed reply ignored');
      return;
    }
    p.queue.push(parsed.data);
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
        requestedAt: now,
        deadline: now + deps.timeoutMs,
      };
      const queue = new AsyncQueue<AnswerReply>(() => forget(answerId));
      const timer = setTimeout(() => {
        forget(answerId);
        queue.push({ v: ANSWER_CONTRACT_VERSION, answerId, type: 'error', message: 'No answer arrived in time; please try again.', retryable: true });
        queue.end();
      }, deps.timeoutMs + 2000);
      pending.set(answerId, { queue, timer });
      signal?.addEventListener('abort', () => {
        forget(answerId);
        queue.end();
      });
      try {
        await deps.bus.send(QUEUES.answerRequests, request, { messageId: request.id, correlationId: answerId, replyTo });
      } catch (err) {
        forget(answerId);
        throw err;
      }
      return { answerId, chatId, replies: queue };
    },
    close() {
      for (const [answerId, p] of [...pending]) {
        forget(answerId);
        p.queue.push({ v: ANSWER_CONTRACT_VERSION, answerId, type: 'error', message: 'The service is shutting down; please ask again.', retryable: true });
        p.queue.end();
      }
    },
  };
}
