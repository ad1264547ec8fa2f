/**
 * Uploads: the type is detected from the content, the document id is the sha256 of the content,
 * the file is stored under a name the service chose, and an `ingest.jobs` message is sent. The
 * same content uploaded again is reported as a duplicate and adds nothing. Status follows the
 * `ingest.events` fanout.
 *
 * Deleting sends a `delete` job through the same `ingest.jobs` queue (the single writer applies it
 * after any ingest of the document still ahead of it) and marks the document `deleting`; the row
 * goes when the worker reports `deleted`. Before that row goes, `beforeDeleted` runs (the web
 * reloads its index there), so once a document has left the list this process's search no longer
 * finds it. Likewise `beforeReady` runs before a document shows `ready`, so a ready document is
 * found by this process's search.
 *
 * Re-indexing sends one `reindex` job listing every stored document not being deleted (their
 * uploads are kept under uploadsDir/<id>): ready, failed, and also queued or processing ones, whose
 * ingest jobs run before the re-index and would otherwise be missing from the rebuilt index (or,
 * while the index needs a re-index, wait for it). They show `queued` until the worker reports on them.
 * `reindex({ collectionId })` does the same for one collection: the job lists that collection's
 * members and names it, and the worker rebuilds that collection's index alone.
 *
 * Collections: an upload goes into one collection (default General). The same content uploaded into
 * another collection is stored and embedded once: the document gains a membership and a `copy` job
 * copies its vectors from a collection that has them into the new one's index (the upload reports
 * it as a duplicate: nothing new was stored or embedded).
 *
 * Bounds: at most `maxPendingDocuments` documents queued or being ingested (more is refused with
 * UnavailableError, 503 + Retry-After); a failed document stays listed with its reason for
 * `failedRetentionMs`, then its row and stored file are removed (a sweep every few minutes).
 * Files are hashed and typed as they stream from disk (inspect-file.ts), never read whole.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { GENERAL_COLLECTION_ID } from '../contracts/collection.ts';
import { INGEST_CONTRACT_VERSION, ingestEventSchema, type CopyJob, type DeleteJob, type IngestJob, type MediaType, type ReindexJob } from '../contracts/ingest.ts';
import { EXCHANGES, QUEUES } from '../contracts/names.ts';
import { InvalidInputError, UnavailableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { MessageBus, Subscription } from '../ports/message-bus.ts';
import type { DocumentService, DocumentView, UploadedFile, UploadResult } from '../ports/document-service.ts';
import { startFailedSweeper } from './failed-retention.ts';
import { cleanName } from './file-name.ts';
import { inspectFile } from './inspect-file.ts';
import type { DocumentRegistry } from './registry.ts';
import { traceHeaders } from '../tracing/trace-context.ts';

/** Seconds a refused uploader is told to wait when the ingest queue is full. */
const QUEUE_FULL_RETRY_AFTER_S = 30;

export interface DocumentServiceHandle extends DocumentService {
  /** Removes failed documents (row and stored file) that failed more than failedRetentionMs ago; returns their ids. */
  sweepFailed(): Promise<string[]>;
  close(): Promise<void>;
}

interface Checked {
  file: UploadedFile;
  id: string;
  name: string;
  mediaType: MediaType;
}

/** The document id: sha256 of the content, hashed a slice at a time so a large upload does not stall the web. */

export async function createDocumentService(deps: {
  bus: MessageBus;
  registry: DocumentRegistry;
  uploadsDir: string;
  logger: Logger;
  /** Runs before a `deleted` event removes the row, e.g. reloading this process's index. */
  beforeDeleted?: () => Promise<unknown>;
  /** Runs before a `ready` event marks a document ready, e.g. reloading this process's index. */
  beforeReady?: () => Promise<unknown>;
  /** MAX_PENDING_DOCUMENTS; default unbounded. */
  maxPendingDocuments?: number;
  /** FAILED_UPLOAD_RETENTION_HOURS in ms; default: failed documents are kept. */
  failedRetentionMs?: number;
  /** The clock (tests). */
  now?: () => number;
}): Promise<DocumentServiceHandle> {
  const now = deps.now ?? Date.now;
  const maxPending = deps.maxPendingDocuments ?? Infinity;
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  await fs.mkdir(deps.uploadsDir, { recursive: true });

  const subscription: Subscription = await deps.bus.subscribe(EXCHANGES.ingestEvents, async (body) => {
    const parsed = ingestEventSchema.safeParse(body);
    if (!parsed.success) {
      deps.logger.warn({ issues: parsed.error.issues }, 'malformed ingest event ignored');
      return;
    }
    if (parsed.data.status === 'deleted' && deps.beforeDeleted) {
      await deps.beforeDeleted().catch((err: unknown) => deps.logger.warn({ err }, 'index reload before a delete failed'));
    }
    if (parsed.data.status === 'ready' && deps.beforeReady) {
      await deps.beforeReady().catch((err: unknown) => deps.logger.warn({ err }, 'index reload before ready failed'));
    }
    const view = deps.registry.apply(parsed.data);
    if (view) changes.emit('change', view);
  });

  const check = async (file: UploadedFile): Promise<Checked> => {
    const name = cleanName(file.originalName);
    try {
      const { sha256, mediaType } = await inspectFile(file.tempPath, name);
      return { file, id: sha256, name, mediaType };
    } catch (err) {
      if (err instanceof InvalidInputError) throw new InvalidInputError(`${name}: ${err.message}`, { code: err.code });
      throw err;
    }
  };

  const enqueue = async (c: Checked, collectionId: string): Promise<UploadResult> => {
    const existing = deps.registry.get(c.id);
    if (existing?.status === 'deleting') {
      await fs.rm(c.file.tempPath, { force: true });
      throw new InvalidInputError(`${c.name} is being deleted; upload it again once it has gone from the list.`, { code: 'deleting' });
    }
    if (existing && existing.status !== 'failed') {
      await fs.rm(c.file.tempPath, { force: true });
      const inCollections = deps.registry.collections.of(c.id);
      if (!inCollections.includes(collectionId)) await addToCollection(c.id, existing.name, inCollections[0] ?? GENERAL_COLLECTION_ID, collectionId);
      return { id: c.id, name: existing.name, status: existing.status, duplicate: true };
    }
    const storedPath = path.join(deps.uploadsDir, c.id);
    await fs.rename(c.file.tempPath, storedPath);
    const view = deps.registry.queue({ id: c.id, name: c.name, mediaType: c.mediaType, size: c.file.size });
    deps.registry.collections.add(c.id, collectionId);
    changes.emit('change', view);
    const job: IngestJob = {
      v: INGEST_CONTRACT_VERSION,
      id: randomUUID(),
      documentId: c.id,
      storedPath,
      name: c.name,
      mediaType: c.mediaType,
      size: c.file.size,
      collectionId,
    };
    try {
      await deps.bus.send(QUEUES.ingestJobs, job, { messageId: job.id, headers: traceHeaders() });
    } catch (err) {
      deps.registry.remove(c.id);
      throw err;
    }
    deps.logger.info({ documentId: c.id, name: c.name }, 'queued for ingestion');
    return { id: c.id, name: c.name, status: 'queued', duplicate: false };
  };

  /** Records the membership and sends the `copy` job that puts the document's vectors into `to`'s index. */
  const addToCollection = async (documentId: string, name: string, from: string, to: string): Promise<void> => {
    deps.registry.collections.add(documentId, to);
    const job: CopyJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'copy', documentId, name, from, to, move: false };
    try {
      await deps.bus.send(QUEUES.ingestJobs, job, { messageId: job.id, headers: traceHeaders() });
    } catch (err) {
      deps.registry.collections.removeMember(documentId, to);
      throw err;
    }
    deps.logger.info({ documentId, from, to }, 'added to a collection');
  };

  const queueFull = (pending: number): UnavailableError =>
    new UnavailableError(
      `Docent has ${pending} documents waiting to be ingested (MAX_PENDING_DOCUMENTS=${maxPending}); upload again when some of them are ready.`,
      { code: 'ingest_queue_full', retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_S },
    );

  const sweeper =
    deps.failedRetentionMs === undefined
      ? undefined
      : startFailedSweeper({ ...deps, retentionMs: deps.failedRetentionMs, now, onRemoved: (doc) => changes.emit('change', doc) });
  const sweepFailed = async (): Promise<string[]> => (sweeper ? sweeper.sweep() : []);
  await sweepFailed();

  /** A web page's document carries its address (source-registry.ts). */
  const withUrl = (d: DocumentView): DocumentView => {
    const url = deps.registry.sources.urlOf(d.id);
    return url === undefined ? d : { ...d, sourceUrl: url };
  };

  /** Files of an upload that would add a document to the ingest queue (not duplicates). */
  const countFresh = (checked: Checked[]): number => {
    const fresh = checked.filter((c) => {
      const status = deps.registry.get(c.id)?.status;
      return status === undefined || status === 'failed';
    });
    return new Set(fresh.map((c) => c.id)).size;
  };

  return {
    assertAccepting() {
      const pending = deps.registry.countPending();
      if (pending >= maxPending) throw queueFull(pending);
    },
    sweepFailed,
    async upload(files, opts) {
      const collectionId = opts?.collectionId ?? GENERAL_COLLECTION_ID;
      // Every file is checked before any is queued: one bad file refuses the whole upload.
      let checked: Checked[];
      try {
        checked = await Promise.all(files.map(check));
        const pending = deps.registry.countPending();
        const fresh = countFresh(checked);
        if (fresh > 0 && pending + fresh > maxPending) throw queueFull(pending);
      } catch (err) {
        await Promise.all(files.map((f) => fs.rm(f.tempPath, { force: true })));
        throw err;
      }
      const results: UploadResult[] = [];
      for (const c of checked) results.push(await enqueue(c, collectionId));
      return results;
    },
    async delete(id) {
      const before = deps.registry.markDeleting(id);
      if (!before) return undefined;
      const view = deps.registry.get(id)!;
      if (before.status === 'deleting') return view;
      changes.emit('change', view);
      const job: DeleteJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), kind: 'delete', documentId: id, name: before.name, storedPath: path.join(deps.uploadsDir, id) };
      try {
        await deps.bus.send(QUEUES.ingestJobs, job, { messageId: job.id, headers: traceHeaders() });
      } catch (err) {
        deps.registry.restore(before);
        changes.emit('change', before);
        throw err;
      }
      deps.logger.info({ documentId: id, name: before.name }, 'queued for deletion');
      return view;
    },
    async reindex(opts) {
      const memberships = deps.registry.collections.all();
      const only = opts?.collectionId;
      const docs = deps.registry.list().filter((d) => d.status !== 'deleting' && (only === undefined || (memberships.get(d.id) ?? []).includes(only)));
      const job: ReindexJob = {
        v: INGEST_CONTRACT_VERSION,
        id: randomUUID(),
        kind: 'reindex',
        ...(only === undefined ? {} : { collectionId: only }),
        documents: docs.map((d) => {
          const collectionIds = memberships.get(d.id);
          return { documentId: d.id, name: d.name, storedPath: path.join(deps.uploadsDir, d.id), ...(collectionIds ? { collectionIds } : {}) };
        }),
      };
      const queued: DocumentView[] = [];
      const at = Date.now();
      for (const d of docs) {
        const view = deps.registry.apply({ v: INGEST_CONTRACT_VERSION, documentId: d.id, name: d.name, status: 'queued', stage: 'queued for re-index', progress: 0, pages: d.pages, chunks: d.chunks, error: null, done: null, total: null, at });
        if (view) {
          queued.push(view);
          changes.emit('change', view);
        }
      }
      try {
        await deps.bus.send(QUEUES.ingestJobs, job, { messageId: job.id, headers: traceHeaders() });
      } catch (err) {
        for (const d of docs) deps.registry.restore(d);
        throw err;
      }
      deps.logger.info({ documents: docs.length, jobId: job.id, collectionId: only }, 'queued a re-index');
      return queued;
    },
    list: () => {
      const memberships = deps.registry.collections.all();
      return deps.registry.list().map((d) => withUrl({ ...d, collections: memberships.get(d.id) ?? [] }));
    },
    page: (query) => {
      const page = deps.registry.page(query);
      return { ...page, documents: page.documents.map((d) => withUrl({ ...d, collections: deps.registry.collections.of(d.id) })) };
    },
    get: (id) => {
      const d = deps.registry.get(id);
      return d && withUrl({ ...d, collections: deps.registry.collections.of(id) });
    },
    onChange(listener: (doc: DocumentView) => void) {
      changes.on('change', listener);
      return () => changes.off('change', listener);
    },
    async close() {
      sweeper?.stop();
      await subscription.cancel();
      changes.removeAllListeners();
    },
  };
}
