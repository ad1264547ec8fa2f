/** The ingest worker role: the single active consumer of `ingest.jobs`, the one index writer. */
import { QUEUES } from '../../contracts/names.ts';
import { createIngestHandler } from '../../ingest/job-handler.ts';
import type { Runtime } from '../runtime.ts';

const MAX_ATTEMPTS = 3;

export async function startIngestWorker(rt: Runtime): Promise<void> {
  const log = rt.logger.child({ component: 'ingest-worker' });
  const [{ bus }, embedder, store] = await Promise.all([rt.messaging(), rt.embedder(), rt.store()]);
  const handler = createIngestHandler({
    bus,
    embedder,
    store,
    chunking: rt.config.chunking,
    maxAttempts: MAX_ATTEMPTS,
    logger: log,
    parseTimeoutMs: rt.config.ingest.parseTimeoutMs,
  });
  const sub = await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, maxAttempts: MAX_ATTEMPTS });
  rt.closer.add('ingest consumer', () => sub.cancel());
  log.info('ingest worker ready (single active consumer)');
}
