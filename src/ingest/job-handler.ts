/**
 * The ingest worker's handler for one `ingest.jobs` message. A `delete` job goes to
 * delete-job.ts; an ingest job (`kind` absent or `ingest`) runs the pipeline, reports progress
 * on `ingest.events`, announces the new index version on `index.updates`. A file that cannot be
 * ingested (bad content) ends the document `failed` with the reason and the message is
 * acknowledged; an infrastructure failure is retried by the delivery policy, and on the last
 * attempt the document is failed too, so nobody watches a document that never finishes. A
 * `reindex` job rebuilds the whole index (reindex-job.ts). A `copy` job adds a document indexed in
 * one collection to another without embedding it again (copy-job.ts). A `drop-collection` job removes
 * a deleted collection's index directory (drop-collection-job.ts). Each collection has its own
 * index (retrieval/collection-stores.ts); an ingest job indexes into its job's collection.
 *
 * Jobs run one at a time in delivery order, but an indexed document's version is coalesced with
 * the documents after it while more jobs wait (index-batch.ts, config INGEST_BATCH_MAX / _WINDOW_MS):
 * `ready` still follows the announcement of a version that holds the document, and the message is
 * acknowledged after that. A delete, copy or re-index first writes the documents waiting for a
 * version, so it sees (and reports after) everything queued before it.
 *
 * While the index needs a re-index (built by another embedding model) an upload cannot be indexed:
 * it is not parsed or embedded for nothing, and not failed either: it stays `queued` at the stage
 * WAITING_FOR_REINDEX_STAGE with the reason, its upload is kept, and the re-index (which lists every
 * stored document not being deleted) indexes it with the configured model.
 */
import { parseIngestQueueMessage, INGEST_CONTRACT_VERSION, WAITING_FOR_REINDEX_STAGE } from '../contracts/ingest.ts';
import { EXCHANGES, QUEUES } from '../contracts/names.ts';
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Delivery, DeliveryHandler } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import { NO_METRICS, type IngestMetrics } from '../ports/metrics.ts';
import { contextFrom, inSpan, messagingAttributes, SpanKind } from '../tracing/trace-context.ts';
import { runCopyJob } from './copy-job.ts';
import { runDeleteJob } from './delete-job.ts';
import { runDropCollectionJob } from './drop-collection-job.ts';
import { IndexBatch } from './index-batch.ts';
import { documentOptions, ingestDocument } from './pipeline.ts';
import { progressEvents, type ProgressEvents } from './progress-events.ts';
import { runReindexJob, type ReindexDeps } from './reindex-job.ts';

/** What the pipeline needs (the same as a re-index's), and what a `reindex` job needs besides. */
export interface IngestHandlerDeps extends Omit<ReindexDeps, 'openStore' | 'lastAttempt'> {
  /** How to open a fresh store in a directory: what a `reindex` job needs. */
  reindex?: Pick<ReindexDeps, 'openStore'>;
  /**
   * Documents saved as one index version while more jobs wait, and the longest one waits for others
   * (config INGEST_BATCH_MAX, INGEST_BATCH_WINDOW_MS; the worker consumes with twice maxDocuments
   * as its prefetch, so that jobs are there to join a batch).
   * Default: every document saved on its own.
   */
  batch?: { maxDocuments: number; windowMs: number };
  /** How uploads' jobs ended and how long they took; default none. */
  metrics?: IngestMetrics;
}

export function createIngestHandler(deps: IngestHandlerDeps): DeliveryHandler {
  const versions = new IndexBatch({
    maxDocuments: deps.batch?.maxDocuments ?? 1,
    windowMs: deps.batch?.windowMs ?? 0,
    publish: async (store, collectionId) => {
      await store.save();
      await announceIndex(deps, store, collectionId);
    },
    logger: deps.logger,
  });
  return (delivery) =>
    // One span per job, continuing the trace of the upload (or delete, copy) that sent it.
    inSpan('ingest.jobs process', { kind: SpanKind.CONSUMER, parent: contextFrom(delivery.headers), attributes: messagingAttributes(deps.bus.kind, QUEUES.ingestJobs, 'process', delivery.messageId) }, async () => {
      // The job's own work takes its turn; its document then waits for the version that holds it.
      const { saved } = await versions.turnOf(() => handleJob(delivery, deps, versions));
      await saved;
    });
}

/** Runs one job in its turn; an indexed document's outcome is `saved`, settled by the batch. */
async function handleJob(delivery: Delivery, deps: IngestHandlerDeps, versions: IndexBatch): Promise<{ saved?: Promise<void> }> {
  const metrics = deps.metrics ?? NO_METRICS;
  const startedAt = performance.now();
  const parsed = parseIngestQueueMessage(delivery.body);
  if (!parsed.success) {
    metrics.ingestEnded('rejected');
    throw new InvalidInputError(`malformed ingest job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const message = parsed.data;
  if (message.kind === 'reindex') {
    if (!deps.reindex) throw new InvalidInputError('this ingest worker cannot re-index (no index directory configured)');
    const log = deps.logger.child({ messageId: delivery.messageId, attempt: delivery.attempt, kind: 'reindex' });
    await versions.flush();
    await runReindexJob(message, { ...deps, ...deps.reindex, lastAttempt: delivery.lastAttempt, logger: log });
    return {};
  }
  if (message.kind === 'drop-collection') {
    await versions.flush();
    await runDropCollectionJob(message, { bus: deps.bus, stores: deps.stores, logger: deps.logger.child({ messageId: delivery.messageId, attempt: delivery.attempt, kind: message.kind }) });
    return {};
  }
  const log = deps.logger.child({ documentId: message.documentId, messageId: delivery.messageId, attempt: delivery.attempt, kind: message.kind ?? 'ingest' });
  // A failed delete or copy is retried by the delivery policy, then dead-lettered with its reason.
  if (message.kind === 'delete' || message.kind === 'copy') {
    await versions.flush();
    if (message.kind === 'delete') await runDeleteJob(message, { bus: deps.bus, stores: deps.stores, logger: log });
    else await runCopyJob(message, { bus: deps.bus, stores: deps.stores, logger: log });
    return {};
  }
  const job = message;
  const store = await deps.stores.forCollection(job.collectionId);
  const events = progressEvents(deps.bus, job, log);
  const reindexNeeded = store.reindexNeeded;
  if (reindexNeeded) {
    metrics.ingestEnded('waiting_for_reindex');
    await waitForReindex(events, log, reindexNeeded);
    return {};
  }
  let result;
  try {
    events.progress({ stage: 'parsing', progress: 0, pages: null, chunks: null, done: null, total: null });
    // Indexed in memory only: the batch saves the version (index-batch.ts).
    result = await ingestDocument(job, {
      embedder: deps.embedder,
      ...documentOptions(deps),
      store,
      chunking: deps.chunking,
      onProgress: (p) => events.progress(p),
      persist: false,
    });
  } catch (err) {
    await settleFailure(err, delivery, events, log, metrics);
    return {};
  }
  const { pages, chunks } = result;
  const saved = versions.add({
    store,
    collectionId: job.collectionId,
    // The new version was announced before `ready`, so readers start loading it first.
    onSaved: async () => {
      metrics.ingestEnded('ready', (performance.now() - startedAt) / 1000);
      await events.send({ status: 'ready', stage: 'indexed', progress: 1, pages, chunks, error: null });
      log.info({ pages, chunks, version: store.version }, 'ingested');
    },
    onFailed: (err) => settleFailure(err, delivery, events, log, metrics),
  });
  return { saved };
}

async function waitForReindex(events: ProgressEvents, log: Logger, why: string): Promise<void> {
  log.warn({ reindexNeeded: why }, 'upload waits for a re-index');
  await events.send({ status: 'queued', stage: WAITING_FOR_REINDEX_STAGE, progress: 0, pages: null, chunks: null, error: `waiting for a re-index: ${why}` });
}

/**
 * A document's ingest or save failed: throws to have a retryable failure tried again (attempts
 * left), else reports the document failed (or waiting for a re-index) and returns.
 */
async function settleFailure(err: unknown, delivery: Delivery, events: ProgressEvents, log: Logger, metrics: IngestMetrics): Promise<void> {
  // A store that does not say so up front still refuses with this code.
  if (err instanceof AppError && err.code === 'index_model_mismatch') {
    metrics.ingestEnded('waiting_for_reindex');
    return waitForReindex(events, log, err.message);
  }
  if (!(err instanceof InvalidInputError) && isRetryable(err) && !delivery.lastAttempt) {
    metrics.ingestEnded('retried');
    log.warn({ err }, 'ingest failed, will retry');
    throw err;
  }
  metrics.ingestEnded('failed');
  const reason = err instanceof AppError ? err.message : `ingestion failed: ${errorMessage(err)}`;
  log.warn({ err }, 'document failed');
  await events.send({ status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: reason });
}

async function announceIndex(deps: IngestHandlerDeps, store: VectorStore, collectionId: string): Promise<void> {
  await deps.bus.broadcast(EXCHANGES.indexUpdates, {
    v: INGEST_CONTRACT_VERSION,
    version: store.version ?? 'none',
    chunks: store.size,
    at: Date.now(),
    collectionId,
  });
}
