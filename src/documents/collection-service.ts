/**
 * The collections service (ports/collection-service.ts) over the documents registry and the
 * `ingest.jobs` queue. Names and descriptions are checked by collection-names.ts; memberships
 * change here at once, and the index follows through jobs on the one ingest queue, so the single
 * writer applies them after any ingest still ahead of them:
 *   - deleting a collection: a document that belongs elsewhere too gets a delete job for this
 *     collection's index only; one that belongs nowhere else is deleted as DELETE /api/documents/:id
 *     does (every index, its upload, its row). A `drop-collection` job after those removes the
 *     collection's index directory; it is sent before the collection leaves the registry, so a
 *     delete that failed half way and is tried again sends it again. General cannot be deleted:
 *     uploads that name no collection go there.
 *   - moving a document: a `copy` job with `move` takes its vectors from the source collection's
 *     index into the target's, then drops them from the source (no re-embedding).
 */
import { randomUUID } from 'node:crypto';
import { GENERAL_COLLECTION_ID } from '../contracts/collection.ts';
import { INGEST_CONTRACT_VERSION, type CopyJob, type DeleteJob, type DropCollectionJob } from '../contracts/ingest.ts';
import { QUEUES } from '../contracts/names.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { CollectionService, CollectionView } from '../ports/collection-service.ts';
import type { DocumentService } from '../ports/document-service.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { cleanCollectionDescription, cleanCollectionName } from './collection-names.ts';
import type { DocumentRegistry } from './registry.ts';
import { traceHeaders } from '../tracing/trace-context.ts';

export function createCollectionService(deps: { registry: DocumentRegistry; documents: DocumentService; bus: MessageBus; logger: Logger }): CollectionService {
  const collections = deps.registry.collections;
  const get = (idOrName: string): CollectionView => {
    const c = typeof idOrName === 'string' && idOrName.trim() !== '' ? collections.find(idOrName) : undefined;
    if (!c) throw new NotFoundError(`No collection "${String(idOrName)}". List them with GET /api/collections.`);
    return c;
  };
  const send = (job: CopyJob | DeleteJob | DropCollectionJob): Promise<void> => deps.bus.send(QUEUES.ingestJobs, job, { messageId: job.id, headers: traceHeaders() });

  return {
    list: () => collections.list(),
    get,
    resolve(idsOrNames) {
      const found = new Map<string, CollectionView>();
      for (const n of idsOrNames) {
        const c = get(n);
        found.set(c.id, c);
      }
      return [...found.values()];
    },
    create(input) {
      const c = collections.create({ name: cleanCollectionName(input.name), description: cleanCollectionDescription(input.description) });
      deps.logger.info({ collectionId: c.id }, 'collection created');
      return c;
    },
    update(idOrName, input) {
      const c = get(idOrName);
      return collections.update(c.id, {
        name: input.name === undefined ? undefined : cleanCollectionName(input.name),
        description: input.description === undefined ? undefined : cleanCollectionDescription(input.description),
      });
    },
    async delete(idOrName) {
      const c = get(idOrName);
      if (c.id === GENERAL_COLLECTION_ID) {
        throw new InvalidInputError(`${c.name} cannot be deleted: uploads that name no collection go there. Delete its documents instead.`, { code: 'collection_general' });
      }
      let documentsDeleted = 0;
      let documentsKept = 0;
      for (const documentId of collections.members(c.id)) {
        const doc = deps.documents.get(documentId);
        if (collections.of(documentId).some((id) => id !== c.id)) {
          collections.removeMember(documentId, c.id);
          const job: DeleteJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'delete', documentId, name: doc?.name ?? documentId, storedPath: null, collectionId: c.id };
          await send(job);
          documentsKept++;
        } else {
          await deps.documents.delete(documentId);
          documentsDeleted++;
        }
      }
      // After the documents' jobs on the one queue: the index directory goes once they are applied.
      await send({ v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'drop-collection', collectionId: c.id });
      collections.remove(c.id);
      deps.logger.info({ collectionId: c.id, documentsDeleted, documentsKept }, 'collection deleted');
      return { collection: c, documentsDeleted, documentsKept };
    },
    async moveDocument(documentId, input) {
      const doc = deps.documents.get(documentId);
      if (!doc) throw new NotFoundError(`No document with id "${documentId}". List them with GET /api/documents.`);
      if (doc.status === 'deleting') throw new InvalidInputError(`${doc.name} is being deleted.`, { code: 'deleting' });
      const to = get(input.to);
      const current = collections.of(documentId);
      let from: string;
      if (input.from !== undefined) {
        const source = get(input.from);
        if (!current.includes(source.id)) throw new InvalidInputError(`${doc.name} is not in the collection "${source.name}".`, { code: 'not_in_collection' });
        from = source.id;
      } else if (current.length > 1) {
        const names = current.map((id) => collections.find(id)?.name ?? id).join(', ');
        throw new InvalidInputError(`${doc.name} is in several collections (${names}); say which one to move it from with "from".`, { code: 'from_needed' });
      } else from = current[0] ?? GENERAL_COLLECTION_ID;
      if (from === to.id) return { id: documentId, collections: current };
      const alreadyThere = current.includes(to.id);
      collections.add(documentId, to.id);
      collections.removeMember(documentId, from);
      const job: CopyJob | DeleteJob = alreadyThere
        ? { v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'delete', documentId, name: doc.name, storedPath: null, collectionId: from }
        : { v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'copy', documentId, name: doc.name, from, to: to.id, move: true };
      try {
        await send(job);
      } catch (err) {
        if (!alreadyThere) collections.removeMember(documentId, to.id);
        collections.add(documentId, from);
        throw err;
      }
      deps.logger.info({ documentId, from, to: to.id }, 'document moved');
      return { id: documentId, collections: collections.of(documentId) };
    },
  };
}
