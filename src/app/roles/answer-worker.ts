/**
 * The answer worker role: a competing consumer of `answer.requests`, prefetch = model sequences,
 * and a subscriber of `answer.cancels` (every worker hears every cancel; the one holding the answer
 * stops it).
 *
 * Shutdown (SIGTERM) drains: the consumer stops taking requests and waits for the answers in
 * flight. If they are not done within the drain budget (SHUTDOWN_TIMEOUT_MS less a reserve for
 * closing the model and the broker connection), they are aborted and handed back to the queue, so
 * another worker answers them and the process still exits within its bound.
 */
import { AnswerCancellations } from '../../answer/answer-cancellations.ts';
import { createAnswerHandler } from '../../answer/answer-handler.ts';
import { listenForCancels } from '../../answer/cancel-listener.ts';
import { compactingRetriever } from '../../answer/compact-passages.ts';
import { QUEUES } from '../../contracts/names.ts';
import { createCollectionRetriever } from '../../retrieval/collection-retriever.ts';
import { ANSWER_QUEUES, serveMetrics, watchIndex, watchQueues } from '../observe.ts';
import type { Runtime } from '../runtime.ts';

/** Kept back from SHUTDOWN_TIMEOUT_MS for what closes after the drain (model, connections). */
const CLOSE_RESERVE_MS = 3000;

/** How long in-flight answers may run on after SIGTERM before they are aborted and requeued. */
export function drainBudgetMs(shutdownTimeoutMs: number): number {
  return Math.max(Math.floor(shutdownTimeoutMs / 2), shutdownTimeoutMs - CLOSE_RESERVE_MS);
}

export async function startAnswerWorker(rt: Runtime): Promise<void> {
  const log = rt.logger.child({ component: 'answer-worker' });
  const [{ bus, events }, chat, embedder, stores] = await Promise.all([rt.messaging(), rt.chat(), rt.embedder(), rt.stores()]);
  // A cancel may arrive before the request is picked up: remember it for longer than any deadline.
  const cancellations = new AnswerCancellations(rt.config.answer.timeoutMs + 60_000);
  const handler = createAnswerHandler({
    bus,
    events,
    // Adaptive k, merged overlaps and trimmed passages (PROMPT_* settings), before the prompt.
    retriever: compactingRetriever(createCollectionRetriever(embedder, stores, { mode: rt.config.retrieval.searchMode }), rt.config.prompt),
    chat,
    // The citation check of each finished answer embeds with the retriever's model.
    embedder,
    workerId: rt.config.workerId,
    systemPrompt: rt.config.models.systemPrompt,
    injectionGuard: rt.config.prompt.injectionGuard,
    cancellations,
    logger: log,
    metrics: rt.metrics,
  });
  watchQueues(rt.metrics, bus, ANSWER_QUEUES);
  watchIndex(rt.metrics, stores);
  await serveMetrics(rt);
  const cancels = await listenForCancels(bus, cancellations, log);
  rt.closer.add('answer cancels', () => cancels.cancel());
  const sub = await bus.consume(QUEUES.answerRequests, handler, { prefetch: chat.sequences, retry: rt.config.retry });
  rt.closer.add('answer consumer', async () => {
    const budget = drainBudgetMs(rt.config.shutdownTimeoutMs);
    log.info({ inFlight: cancellations.inFlight, budgetMs: budget }, 'draining: no new questions, finishing answers in flight');
    const timer = setTimeout(() => {
      const n = cancellations.abortAll('shutdown');
      if (n > 0) log.warn({ aborted: n }, 'drain budget spent: answers in flight handed back to the queue');
    }, budget);
    try {
      await sub.cancel();
    } finally {
      clearTimeout(timer);
    }
  });
  log.info({ worker: rt.config.workerId, prefetch: chat.sequences }, 'answer worker ready');
}
