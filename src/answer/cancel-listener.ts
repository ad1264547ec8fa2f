/**
 * Subscribes a worker to `answer.cancels`: each valid cancel reaches the worker's
 * AnswerCancellations, which stops the answer if it runs here or remembers it otherwise.
 */
import { answerCancelSchema } from '../contracts/answer.ts';
import { EXCHANGES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus, Subscription } from '../ports/message-bus.ts';
import type { AnswerCancellations } from './answer-cancellations.ts';

export function listenForCancels(bus: MessageBus, cancellations: AnswerCancellations, log: Logger): Promise<Subscription> {
  return bus.subscribe(EXCHANGES.answerCancels, (body) => {
    const parsed = answerCancelSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: parsed.error.issues }, 'malformed cancel ignored');
      return;
    }
    const { answerId, reason } = parsed.data;
    if (cancellations.cancel(answerId)) log.info({ answerId, reason }, 'cancelling answer');
  });
}
