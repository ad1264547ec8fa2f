/**
 * The ingest worker's handling of a `delete` job: removes the document's chunks from the vector
 * store (the FAISS store rebuilds its index without them: compaction, not a tombstone), saves a
 * new index version, announces it on `index.updates` so every other process reloads, removes the
 * stored upload, and reports `deleted` on `ingest.events` last, so whoever sees `deleted` can rely
 * on the index version without the document already being announced.
 *
 * Safe to run twice (a redelivered message): a document that is not in the index saves nothing,
 * and a stored file that is already gone is fine.
 */
import fs from 'node:fs/promises';
import { INGEST_CONTRACT_VERSION, type DeleteJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';

export interface DeleteJobDeps {
  bus: MessageBus;
  store: VectorStore;
  logger: Logger;
}

export async function runDeleteJob(job: DeleteJob, deps: DeleteJobDeps): Promise<void> {
  const removed = await deps.store.removeDocument(job.documentId);
  if (removed) {
    const version = await deps.store.save();
    await deps.bus.broadcast(EXCHANGES.indexUpdates, { v: INGEST_CONTRACT_VERSION, version, chunks: deps.store.size, at: Date.now() });
  }
  if (job.storedPath !== null) await fs.rm(job.storedPath, { force: true });
  await deps.bus.broadcast(EXCHANGES.ingestEvents, {
    v: INGEST_CONTRACT_VERSION,
    documentId: job.documentId,
    name: job.name,
    status: 'deleted',
    stage: 'deleted',
    progress: 1,
    pages: null,
    chunks: null,
    error: null,
    at: Date.now(),
  });
  deps.logger.info({ removedFromIndex: removed, version: deps.store.version }, 'document deleted');
}
