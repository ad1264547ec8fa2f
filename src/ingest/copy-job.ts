/**
 * The ingest worker's handling of a `copy` job: a document already indexed in one collection is
 * added to another (or moved there) with the chunks and vectors the first collection's index keeps,
 * so nothing is parsed or embedded again. The target's new version is saved before the source
 * drops the document (a move never leaves it in neither), then announced on `index.updates`.
 *
 * Safe to run twice: adding replaces the document's earlier copy in the target, and a document the
 * source no longer holds (a redelivered move that got that far) is already where it should be.
 * A document the source never held (its ingest failed) has nothing to copy: logged, and the
 * membership the web recorded shows it like any failed document until it is uploaded again.
 */
import { INGEST_CONTRACT_VERSION, type CopyJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import type { CollectionStores } from '../retrieval/collection-stores.ts';

export interface CopyJobDeps {
  bus: MessageBus;
  stores: CollectionStores;
  logger: Logger;
}

export async function runCopyJob(job: CopyJob, deps: CopyJobDeps): Promise<void> {
  const log = deps.logger.child({ from: job.from, to: job.to, move: job.move });
  if (job.from === job.to) return;
  const from = await deps.stores.forCollection(job.from);
  const to = await deps.stores.forCollection(job.to);
  const rows = from.documentRows?.(job.documentId);
  if (rows) {
    await to.addDocument(rows.chunks, rows.vectors);
    await to.save();
    await announce(deps.bus, to, job.to);
  } else if (!to.hasDocument(job.documentId)) {
    log.warn('the source collection does not hold the document (its ingest failed?): nothing to copy');
    return;
  }
  if (job.move && (await from.removeDocument(job.documentId))) {
    await from.save();
    await announce(deps.bus, from, job.from);
  }
  log.info({ chunks: rows?.chunks.length ?? null }, job.move ? 'document moved' : 'document copied');
}

async function announce(bus: MessageBus, store: VectorStore, collectionId: string): Promise<void> {
  await bus.broadcast(EXCHANGES.indexUpdates, { v: INGEST_CONTRACT_VERSION, version: store.version ?? 'none', chunks: store.size, at: Date.now(), collectionId });
}
