/**
 * The ingest worker's handler for one `ingest.jobs` message. A `delete` job goes to
 * delete-job.ts; an ingest job (`kind` absent or `ingest`) runs the pipeline, reports progress
 * on `ingest.events`, announces the new index version on `index.updates`. A file that cannot be
 * ingested (bad content) ends the document `failed` with the reason and the message is
 * acknowledged; an infrastructure failure is retried by the delivery policy, and on the last
 * attempt the document is failed too, so nobody watches a document that never finishes.
 */
import { parseIngestQueueMessage, INGEST_CONTRACT_VERSION, type IngestEvent, type IngestJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { DeliveryHandler, MessageBus } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import type { DocumentParser } from './parse-document.ts';
import { runDeleteJob } from './delete-job.ts';
import { ingestDocument } from './pipeline.ts';
import { progressCount, type CountedProgress } from './progress-count.ts';

export interface IngestHandlerDeps {
  bus: MessageBus;
  embedder: Embedder;
  store: VectorStore;
  chunking: { size: number; overlap: number; embedBatch: number };
  maxAttempts: number;
  logger: Logger;
  /** Longest one parse may take (config PARSE_TIMEOUT_MS); default 120 000 ms. */
  parseTimeoutMs?: number;
  /** The parse step; default a child process per document. */
  parser?: DocumentParser;
}

/** Progress messages are sent at most this often per job (plus every stage change). */
const PROGRESS_INTERVAL_MS = 250;

export function createIngestHandler(deps: IngestHandlerDeps): DeliveryHandler {
  return async (delivery) => {
    const parsed = parseIngestQueueMessage(delivery.body);
    if (!parsed.success) {
      throw new InvalidInputError(`malformed ingest job: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const log = deps.logger.child({ documentId: parsed.data.documentId, messageId: delivery.messageId, attempt: delivery.attempt, kind: parsed.data.kind ?? 'ingest' });
    // A failed delete is retried by the delivery policy, then dead-lettered with its reason.
    if (parsed.data.kind === 'delete') return runDeleteJob(parsed.data, { bus: deps.bus, store: deps.store, logger: log });
    const job = parsed.data;
    const emit = (e: Omit<IngestEvent, 'v' | 'documentId' | 'name' | 'at'>): Promise<void> =>
      deps.bus.broadcast(EXCHANGES.ingestEvents, { v: INGEST_CONTRACT_VERSION, documentId: job.documentId, name: job.name, at: Date.now(), ...e });

    let lastSent = 0;
    let lastStage = '';
    let pending: Promise<void> = Promise.resolve();
    const onProgress = (p: CountedProgress): void => {
      const now = Date.now();
      if (p.stage === lastStage && now - lastSent < PROGRESS_INTERVAL_MS) return;
      lastSent = now;
      lastStage = p.stage;
      const event = { status: 'processing' as const, error: null, stage: p.stage, progress: p.progress, pages: p.pages, chunks: p.chunks, ...progressCount(p) };
      pending = pending.then(() => emit(event)).catch((err: unknown) => log.warn({ err }, 'progress not sent'));
    };

    try {
      onProgress({ stage: 'parsing', progress: 0, pages: null, chunks: null });
      const result = await ingestDocument(job, {
        embedder: deps.embedder,
        store: deps.store,
        chunking: deps.chunking,
        onProgress,
        ...(deps.parseTimeoutMs === undefined ? {} : { parseTimeoutMs: deps.parseTimeoutMs }),
        ...(deps.parser === undefined ? {} : { parser: deps.parser }),
      });
      await pending;
      await emit({ status: 'ready', stage: 'indexed', progress: 1, pages: result.pages, chunks: result.chunks, error: null });
      await announceIndex(deps, job);
      log.info({ pages: result.pages, chunks: result.chunks }, 'ingested');
    } catch (err) {
      await pending;
      if (!(err instanceof InvalidInputError) && isRetryable(err) && delivery.attempt < deps.maxAttempts) {
        log.warn({ err }, 'ingest failed, will retry');
        throw err;
      }
      const reason = err instanceof AppError ? err.message : `ingestion failed: ${errorMessage(err)}`;
      log.warn({ err }, 'document failed');
      await emit({ status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: reason });
    }
  };
}

async function announceIndex(deps: IngestHandlerDeps, _job: IngestJob): Promise<void> {
  await deps.bus.broadcast(EXCHANGES.indexUpdates, {
    v: INGEST_CONTRACT_VERSION,
    version: deps.store.version ?? 'none',
    chunks: deps.store.size,
    at: Date.now(),
  });
}
