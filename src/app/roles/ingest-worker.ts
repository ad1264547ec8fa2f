/**
 * The ingest worker role: the single active consumer of `ingest.jobs`, the one index writer.
 * It starts even when the index was built by another embedding model (the store then waits for a
 * re-index): it is the process that takes the `reindex` job and rebuilds the index.
 * It works through its jobs one at a time and saves the documents indexed meanwhile as one index
 * version (src/ingest/index-batch.ts, up to INGEST_BATCH_MAX documents). Its prefetch is twice
 * that: a full batch holds its messages unacknowledged until its version is announced, and the
 * next batch's jobs are indexed meanwhile instead of waiting for the save.
 */
import { QUEUES } from '../../contracts/names.ts';
import { checkOcrSetup } from '../../ingest/ocr/tesseract.ts';
import { createIngestHandler } from '../../ingest/job-handler.ts';
import { SpareParser } from '../../ingest/spare-parse-child.ts';
import { INGEST_QUEUES, serveMetrics, watchIndex, watchQueues } from '../observe.ts';
import type { Runtime } from '../runtime.ts';

export async function startIngestWorker(rt: Runtime): Promise<void> {
  const log = rt.logger.child({ component: 'ingest-worker' });
  // OCR (scans, images): a missing tesseract or language stops the start with what to install.
  if (rt.config.ocr.enabled) await checkOcrSetup(rt.config.ocr.languages);
  // The spare parse child warms up while the model and index load; closed after the consumer.
  const parsers = new SpareParser({
    timeoutMs: rt.config.ingest.parseTimeoutMs,
    maxTotalMemoryMb: rt.config.ingest.parseMaxMemoryMb,
    ocr: rt.config.ocr,
    logger: log.child({ component: 'parse-spare' }),
  });
  rt.closer.add('spare parse child', () => parsers.close());
  const [{ bus }, embedder, whileParsing, stores] = await Promise.all([rt.messaging(), rt.embedder('bulk'), rt.embedderWhileParsing(), rt.stores()]);
  const handler = createIngestHandler({
    bus,
    embedder,
    ...(whileParsing ? { embedderWhileParsing: whileParsing } : {}),
    stores,
    chunking: rt.config.chunking,
    logger: log,
    parseTimeoutMs: rt.config.ingest.parseTimeoutMs,
    childParser: parsers.parse,
    afterDocument: () => parsers.replenish(),
    reindex: { openStore: (dir) => rt.openStoreAt(dir) },
    batch: { maxDocuments: rt.config.ingest.batchMax, windowMs: rt.config.ingest.batchWindowMs },
    metrics: rt.metrics,
  });
  watchQueues(rt.metrics, bus, INGEST_QUEUES);
  watchIndex(rt.metrics, stores);
  await serveMetrics(rt);
  const prefetch = 2 * rt.config.ingest.batchMax;
  const sub = await bus.consume(QUEUES.ingestJobs, handler, { prefetch, singleActive: true, retry: rt.config.retry });
  rt.closer.add('ingest consumer', () => sub.cancel());
  if (stores.servingStale) {
    log.warn({ stale: stores.health().stale }, 'ingest worker ready, but the live index was built by another embedding model: uploads wait until this worker runs that model');
  } else if (stores.reindexNeeded !== null) {
    log.warn({ reindexNeeded: stores.reindexNeeded }, 'ingest worker ready, but the index needs a re-index: uploads fail until `npm run ingest -- --reindex` has run');
  } else log.info({ prefetch }, 'ingest worker ready (single active consumer)');
}
