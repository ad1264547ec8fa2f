/** The answer worker role: a competing consumer of `answer.requests`, prefetch = model sequences. */
import { createAnswerHandler } from '../../answer/answer-handler.ts';
import { QUEUES } from '../../contracts/names.ts';
import { createRetriever } from '../../retrieval/retriever.ts';
import type { Runtime } from '../runtime.ts';

const MAX_ATTEMPTS = 3;

export async function startAnswerWorker(rt: Runtime): Promise<void> {
  const log = rt.logger.child({ component: 'answer-worker' });
  const [{ bus, events }, chat, embedder, store] = await Promise.all([rt.messaging(), rt.chat(), rt.embedder(), rt.store()]);
  const handler = createAnswerHandler({
    bus,
    events,
    retriever: createRetriever(embedder, store),
    chat,
    workerId: rt.config.workerId,
    systemPrompt: rt.config.models.systemPrompt,
    maxAttempts: MAX_ATTEMPTS,
    logger: log,
  });
  const sub = await bus.consume(QUEUES.answerRequests, handler, { prefetch: chat.sequences, maxAttempts: MAX_ATTEMPTS });
  rt.closer.add('answer consumer', () => sub.cancel());
  log.info({ worker: rt.config.workerId, prefetch: chat.sequences }, 'answer worker ready');
}
