/**
 * The ingest worker's handling of a `reindex` job: rebuilds the whole index from the stored
 * uploads with the configured embedding model and chunker settings, for instance after the
 * embedding model changed (the store then refuses the old index and names `npm run ingest --
 * --reindex`, which sends this job).
 *
 * Built beside the live index, swapped in one step: every listed document goes through the normal
 * pipeline into a fresh store in `<index dir>/.reindex-<uuid>/`, saved once; its version directory
 * is then renamed into the index directory and CURRENT is pointed at it (faiss-files.ts: atomic).
 * Until that rename the live version is untouched and keeps serving (when its model still fits),
 * and a crash leaves only a staging directory, removed by the next re-index. Runs on the single
 * active ingest consumer like every other write, so no ingest or delete interleaves with it.
 *
 * Collections: each collection's index is rebuilt this way from the documents listed in it (and
 * a collection on disk that lists none is rebuilt empty, so no index of the old model is left
 * behind); each collection's swap is atomic on its own. A document in several collections is
 * embedded once: the others get the rows of the first (copy-job.ts does the same). A job naming
 * one collection (`collectionId`) rebuilds that collection's index alone from the documents
 * listed: the other collections' indexes, versions and CURRENT pointers are not touched (a
 * document also in another collection keeps its rows there).
 *
 * Per document: progress on `ingest.events` as for an upload; a document whose stored file is gone
 * or cannot be read any more ends `failed` with the reason and leaves the index. A failure of the
 * machinery (disk, embedder) aborts the whole re-index: retried by the delivery policy, and on the
 * last attempt every listed document is reported failed with the reason (the old version stays).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { INGEST_CONTRACT_VERSION, type IngestJob, type MediaType, type ReindexJob } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { VectorStore } from '../ports/vector-store.ts';
import { GENERAL_COLLECTION_ID } from '../contracts/collection.ts';
import type { CollectionStores } from '../retrieval/collection-stores.ts';
import { pointCurrent } from '../retrieval/faiss-files.ts';
import { sniffFile } from './sniff-file.ts';
import type { DocumentParser } from './parse-document.ts';
import { documentOptions, ingestDocument } from './pipeline.ts';
import { progressEvents, type ProgressEvents } from './progress-events.ts';

export interface ReindexDeps {
  bus: MessageBus;
  embedder: Embedder;
  /** The embedder with one thread fewer, for chunks embedded while their PDF is read (pipeline.ts). */
  embedderWhileParsing?: Embedder;
  /** The live collections' stores: reloaded once the new versions are current. */
  stores: CollectionStores;
  chunking: { size: number; overlap: number; embedBatch: number };
  logger: Logger;
  /** Opens an empty store for the configured model in a directory. */
  openStore: (dir: string) => Promise<VectorStore>;
  /** Whether this delivery is the last attempt: on the last, a failed re-index fails its documents. */
  lastAttempt: boolean;
  /** Longest one parse may take (config PARSE_TIMEOUT_MS); default 120 000 ms. */
  parseTimeoutMs?: number;
  /** The parse step; default a child process per document. */
  parser?: DocumentParser;
  /** Called after each document (pipeline.ts): the ingest worker warms its next parse child. */
  afterDocument?: () => void;
  /** The isolated parser for all but plain text (the worker's warm spare child; pipeline.ts). */
  childParser?: DocumentParser;
}

const STAGING_PREFIX = '.reindex-';

/** A document's own problem (its file is bad or gone): it fails alone, the re-index goes on. */
function documentFault(err: unknown): boolean {
  return err instanceof InvalidInputError || (err instanceof AppError && !err.retryable);
}

/** The stored upload's size and media type, judged as it streams from disk (never read whole here). */
async function inspectStored(storedPath: string, name: string): Promise<{ size: number; mediaType: MediaType }> {
  try {
    const { size } = await fs.stat(storedPath);
    return { size, mediaType: await sniffFile(storedPath, name) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InvalidInputError('the stored upload is missing, so it could not be re-indexed; upload it again', { code: 'file_missing', cause: err });
    }
    throw err;
  }
}

export async function runReindexJob(job: ReindexJob, deps: ReindexDeps): Promise<void> {
  const log = deps.logger;
  const events = new Map<string, ProgressEvents>(job.documents.map((d) => [d.documentId, progressEvents(deps.bus, d, log.child({ documentId: d.documentId }))]));
  for (const e of events.values()) e.progress({ stage: 'queued for re-index', progress: 0, pages: null, chunks: null, done: null, total: null });
  const started = Date.now();
  try {
    const done = await rebuild(job, deps, events);
    for (const d of done) await events.get(d.documentId)!.send({ status: 'ready', stage: 'indexed', progress: 1, pages: d.pages, chunks: d.chunks, error: null });
    log.info({ documents: job.documents.length, indexed: done.length, ms: Date.now() - started, chunks: deps.stores.size }, 're-index done');
  } catch (err) {
    if (isRetryable(err) && !deps.lastAttempt) {
      log.warn({ err }, 're-index failed, will retry');
      throw err;
    }
    log.error({ err }, 're-index failed; the previous index version stays live');
    const reason = `the re-index failed: ${errorMessage(err)}`;
    for (const e of events.values()) await e.send({ status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: reason });
  }
}

type Built = { documentId: string; pages: number | null; chunks: number };

/** Collection id -> the listed documents to rebuild its index from. */
async function membersOf(job: ReindexJob, deps: ReindexDeps): Promise<Map<string, ReindexJob['documents']>> {
  // One collection: its index alone, from every listed document (the service lists its members).
  if (job.collectionId !== undefined) return new Map([[job.collectionId, job.documents]]);
  const members = new Map<string, ReindexJob['documents']>();
  for (const id of await deps.stores.onDisk()) members.set(id, []);
  for (const doc of job.documents) {
    for (const id of doc.collectionIds ?? [GENERAL_COLLECTION_ID]) {
      const list = members.get(id) ?? [];
      list.push(doc);
      members.set(id, list);
    }
  }
  return members;
}

async function rebuild(job: ReindexJob, deps: ReindexDeps, events: Map<string, ProgressEvents>): Promise<Built[]> {
  const members = await membersOf(job, deps);
  const fresh: Array<{ collectionId: string; dir: string; staging: string; store: VectorStore }> = [];
  try {
    const done = new Map<string, Built & { store: VectorStore }>();
    for (const [collectionId, docs] of members) {
      const dir = deps.stores.dirOf(collectionId);
      await fs.mkdir(dir, { recursive: true });
      await removeStaging(dir);
      const staging = path.join(dir, `${STAGING_PREFIX}${randomUUID()}`);
      await fs.mkdir(staging, { recursive: true });
      const store = await deps.openStore(staging);
      fresh.push({ collectionId, dir, staging, store });
      for (const doc of docs) {
        if (!events.has(doc.documentId)) continue; // failed in an earlier collection
        const earlier = done.get(doc.documentId);
        const rows = earlier?.store.documentRows?.(doc.documentId);
        if (rows) await store.addDocument(rows.chunks, rows.vectors);
        else {
          const r = await rebuildOne(job, doc, store, deps, events);
          if (r) done.set(doc.documentId, { ...r, store });
        }
      }
    }
    for (const f of fresh) {
      const name = await f.store.save();
      await f.store.close();
      // Same file system: the rename is atomic, then CURRENT is swapped atomically.
      await fs.rename(path.join(f.staging, name), path.join(f.dir, name));
      await pointCurrent(f.dir, name);
    }
    await deps.stores.reload();
    for (const f of fresh) {
      const live = await deps.stores.forCollection(f.collectionId);
      await deps.bus.broadcast(EXCHANGES.indexUpdates, { v: INGEST_CONTRACT_VERSION, version: live.version ?? 'none', chunks: live.size, at: Date.now(), collectionId: f.collectionId });
    }
    return [...done.values()].map(({ documentId, pages, chunks }) => ({ documentId, pages, chunks }));
  } finally {
    for (const f of fresh) {
      await f.store.close();
      await fs.rm(f.staging, { recursive: true, force: true });
    }
  }
}

/** Ingests one listed document into a fresh store; null when it failed on its own (reported, left out). */
async function rebuildOne(job: ReindexJob, doc: ReindexJob['documents'][number], store: VectorStore, deps: ReindexDeps, events: Map<string, ProgressEvents>): Promise<Built | null> {
  const ev = events.get(doc.documentId)!;
  try {
    const { size, mediaType } = await inspectStored(doc.storedPath, doc.name);
    const ingest: IngestJob = { v: INGEST_CONTRACT_VERSION, id: job.id, documentId: doc.documentId, storedPath: doc.storedPath, name: doc.name, mediaType, size };
    const r = await ingestDocument(ingest, {
      embedder: deps.embedder,
      ...documentOptions(deps),
      store,
      chunking: deps.chunking,
      persist: false,
      // The document is not searchable in the new index until the swap: it waits as `saving`.
      onProgress: (p) => ev.progress(p.stage === 'indexed' ? { ...p, stage: 'saving', progress: 0.95 } : p),
    });
    return { documentId: doc.documentId, ...r };
  } catch (err) {
    if (!documentFault(err)) throw err;
    deps.logger.warn({ err, documentId: doc.documentId }, 'document left out of the re-index');
    await ev.send({ status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: errorMessage(err) });
    events.delete(doc.documentId);
    return null;
  }
}

/** Staging directories of re-indexes that crashed. */
async function removeStaging(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir)) {
    if (entry.startsWith(STAGING_PREFIX)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
  }
}
