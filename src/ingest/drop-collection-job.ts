/**
 * The ingest worker's handling of a `drop-collection` job: a deleted collection's index directory
 * (VECTORSTORE_DIR/collections/<id>/, retrieval/collection-stores.ts) is removed, and the change is
 * announced on `index.updates` so every other process forgets the collection's store.
 *
 * The web sends it after the delete jobs of the collection's documents, on the same queue, so the
 * single writer runs it once they are applied: nothing of the collection is left to lose. It sends
 * it before it drops the collection itself, so a delete retried after a crash sends it again.
 * Safe to run twice (a redelivered message, a retried delete): a directory already gone is fine.
 */
import { INGEST_CONTRACT_VERSION, type DropCollectionJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { CollectionStores } from '../retrieval/collection-stores.ts';

export interface DropCollectionJobDeps {
  bus: MessageBus;
  stores: CollectionStores;
  logger: Logger;
}

export async function runDropCollectionJob(job: DropCollectionJob, deps: DropCollectionJobDeps): Promise<void> {
  const removed = await deps.stores.remove(job.collectionId);
  await deps.bus.broadcast(EXCHANGES.indexUpdates, { v: INGEST_CONTRACT_VERSION, version: 'none', chunks: 0, at: Date.now(), collectionId: job.collectionId });
  deps.logger.info({ collectionId: job.collectionId, removed }, 'collection index removed');
}
