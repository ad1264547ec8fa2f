/**
 * The ingest worker's handler for one `ingest.jobs` message. A `delete` job goes to
 * delete-job.ts; an ingest job (`kind` absent or `ingest`) runs the pipeline, reports progress
 * on `ingest.events`, announces the new index version on `index.updates`. A file that cannot be
 * ingested (bad content) ends the document `failed` with the reason and the message is
 * acknowledged; an infrastructure failure is retried by the delivery policy, and on the last
 * attempt the document is failed too, so nobody watches a document that never finishes. A
 * `reindex` job rebuilds the whole index (reindex-job.ts). A `copy` job adds a document indexed in
 * one collection to another without embedding it again (copy-job.ts). Each collection has its own
 * index (retrieval/collection-stores.ts); an ingest job indexes into its job's collection.
 *
 * While the index needs a re-index (built by another embedding model) an upload cannot be indexed:
 * it is not parsed or embedded for nothing, and not failed either: it stays `queued` at the stage
 * WAITING_FOR_REINDEX_STAGE with the reason, its upload is kept, and the re-index (which lists every
 * stored document not being deleted) indexes it with the configured model.
 */
import { parseIngestQueueMessage, INGEST_CONTRACT_VERSION, WAITING_FOR_REINDEX_STAGE } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { DeliveryHandler } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import { runCopyJob } from './copy-job.ts';
import { runDeleteJob } from './delete-job.ts';
import { documentOptions, ingestDocument } from './pipeline.ts';
import { progressEvents } from './progress-events.ts';
import { runReindexJob, type ReindexDeps } from './reindex-job.ts';

/** What the pipeline needs (the same as a re-index's), and what a `reindex` job needs besides. */
export interface IngestHandlerDeps extends Omit<ReindexDeps, 'openStore' | 'lastAttempt'> {
  /** How to open a fresh store in a directory: what a `reindex` job needs. */
  reindex?: Pick<ReindexDeps, 'openStore'>;
}

export function createIngestHandler(deps: IngestHandlerDeps): DeliveryHandler {
  return async (delivery) => {
    const parsed = parseIngestQueueMessage(delivery.body);
    if (!parsed.success) {
      throw new InvalidInputError(`malformed ingest job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const message = parsed.data;
    if (message.kind === 'reindex') {
      if (!deps.reindex) throw new InvalidInputError('this ingest worker cannot re-index (no index directory configured)');
      const log = deps.logger.child({ messageId: delivery.messageId, attempt: delivery.attempt, kind: 'reindex' });
      return runReindexJob(message, { ...deps, ...deps.reindex, lastAttempt: delivery.lastAttempt, logger: log });
    }
    const log = deps.logger.child({ documentId: message.documentId, messageId: delivery.messageId, attempt: delivery.attempt, kind: message.kind ?? 'ingest' });
    // A failed delete or copy is retried by the delivery policy, then dead-lettered with its reason.
    if (message.kind === 'delete') return runDeleteJob(message, { bus: deps.bus, stores: deps.stores, logger: log });
    if (message.kind === 'copy') return runCopyJob(message, { bus: deps.bus, stores: deps.stores, logger: log });
    const job = message;
    const store = await deps.stores.forCollection(job.collectionId);
    const events = progressEvents(deps.bus, job, log);
    const waitForReindex = async (why: string) => {
      log.warn({ reindexNeeded: why }, 'upload waits for a re-index');
      await events.send({ status: 'queued', stage: WAITING_FOR_REINDEX_STAGE, progress: 0, pages: null, chunks: null, error: `waiting for a re-index: ${why}` });
    };
    const reindexNeeded = store.reindexNeeded;
    if (reindexNeeded) return waitForReindex(reindexNeeded);

    try {
      events.progress({ stage: 'parsing', progress: 0, pages: null, chunks: null, done: null, total: null });
      const result = await ingestDocument(job, {
        embedder: deps.embedder,
        ...documentOptions(deps),
        store,
        chunking: deps.chunking,
        onProgress: (p) => events.progress(p),
      });
      // The new version is announced before `ready`, so readers start loading it first.
      await announceIndex(deps, store, job.collectionId);
      await events.send({ status: 'ready', stage: 'indexed', progress: 1, pages: result.pages, chunks: result.chunks, error: null });
      log.info({ pages: result.pages, chunks: result.chunks }, 'ingested');
    } catch (err) {
      // A store that does not say so up front still refuses with this code.
      if (err instanceof AppError && err.code === 'index_model_mismatch') return waitForReindex(err.message);
      if (!(err instanceof InvalidInputError) && isRetryable(err) && !delivery.lastAttempt) {
        log.warn({ err }, 'ingest failed, will retry');
        throw err;
      }
      const reason = err instanceof AppError ? err.message : `ingestion failed: ${errorMessage(err)}`;
      log.warn({ err }, 'document failed');
      await events.send({ status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: reason });
    }
  };
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
