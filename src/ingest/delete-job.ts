/**
 * The ingest worker's handling of a `delete` job: removes the document's chunks from the vector
 * store (the FAISS store rebuilds its index without them: compaction, not a tombstone), saves a
 * new index version, announces it on `index.updates` so every other process reloads, removes the
 * stored upload, and reports `deleted` on `ingest.events` last, so whoever sees `deleted` can rely
 * on the index version without the document already being announced.
 *
 * While the index needs a re-index (built by another embedding model, so the live store cannot be
 * opened) a delete still deletes: the document is removed from the stored version as it was built
 * (no embedder is needed to drop rows), its upload goes and `deleted` is reported. A re-index sent
 * before the delete lists it, and runs first (one queue, one writer), and the delete then removes it
 * from the new index; one sent after does not list it (the web lists no document being deleted).
 *
 * Collections: a delete job without `collectionId` deletes the document from every collection's
 * index (each saved and announced on its own); with one, only that collection's index drops it and
 * the document stays (its upload is kept and no `deleted` is reported: the web already dropped the
 * membership).
 *
 * Safe to run twice (a redelivered message): a document that is not in the index saves nothing,
 * and a stored file that is already gone is fine.
 */
import fs from 'node:fs/promises';
import { INGEST_CONTRACT_VERSION, type DeleteJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { CollectionStores } from '../retrieval/collection-stores.ts';
import { openFaissStoreAsBuilt } from '../retrieval/faiss-store-as-built.ts';

export interface DeleteJobDeps {
  bus: MessageBus;
  stores: CollectionStores;
  logger: Logger;
}

const isMismatch = (err: unknown): boolean => err instanceof AppError && err.code === 'index_model_mismatch';

export async function runDeleteJob(job: DeleteJob, deps: DeleteJobDeps): Promise<void> {
  const collections = job.collectionId === undefined ? await deps.stores.onDisk() : [job.collectionId];
  let removedAny = false;
  for (const collectionId of collections) removedAny = (await removeFrom(collectionId, job.documentId, deps)) || removedAny;
  if (job.collectionId !== undefined) {
    deps.logger.info({ collectionId: job.collectionId, removedFromIndex: removedAny }, 'document removed from a collection');
    return;
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
  deps.logger.info({ removedFromIndex: removedAny, collections }, 'document deleted');
}

/** Removes the document from one collection's index, saves and announces; true when it was there. */
async function removeFrom(collectionId: string, documentId: string, deps: DeleteJobDeps): Promise<boolean> {
  const store = await deps.stores.forCollection(collectionId);
  let removed: boolean;
  let version: string | null;
  try {
    removed = await store.removeDocument(documentId);
    version = removed ? await store.save() : store.version;
  } catch (err) {
    if (!isMismatch(err)) throw err;
    ({ removed, version } = await removeFromStoredVersion(documentId, deps.stores.dirOf(collectionId), deps));
  }
  if (removed && version !== null) {
    await deps.bus.broadcast(EXCHANGES.indexUpdates, { v: INGEST_CONTRACT_VERSION, version, chunks: store.size, at: Date.now(), collectionId });
  }
  return removed;
}

/** The store cannot open the index (another model built it): the rows go from that version as built. */
async function removeFromStoredVersion(documentId: string, indexDir: string, deps: DeleteJobDeps): Promise<{ removed: boolean; version: string | null }> {
  const stored = await openFaissStoreAsBuilt(indexDir);
  if (stored === null) return { removed: false, version: null };
  try {
    const removed = await stored.removeDocument(documentId);
    const version = removed ? await stored.save() : stored.version;
    deps.logger.info({ removed, version }, 'removed from the index version waiting for a re-index');
    return { removed, version };
  } finally {
    await stored.close();
  }
}
