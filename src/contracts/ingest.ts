/**
 * Wire format of the `ingest.jobs` queue, the `ingest.events` fanout (progress) and the
 * `index.updates` fanout (a new index version is live).
 *
 * `ingest.jobs` carries two kinds of job, told apart by `kind`: `ingest` (add or replace a
 * document) and `delete` (remove it from the index and drop its stored upload). Both go through
 * the one queue so the single active ingest worker applies them in order: a delete sent while the
 * document is still being ingested runs after that ingest. A message without `kind` (the first
 * version of this contract) is an ingest job. A `reindex` job rebuilds the whole index (or one
 * collection's, when it names one) with the
 * configured embedding model and chunker from the stored uploads it lists, into a fresh index
 * version that replaces the live one in one step (see src/ingest/reindex-job.ts).
 *
 * Collections (contracts/collection.ts): every collection has its own index. An ingest job names
 * the collection it indexes into (absent: `general`). A delete job without `collectionId` deletes
 * the document (every collection's index, its upload, then `deleted`), as before collections; with
 * it, the document only leaves that collection's index and stays otherwise. A `copy` job copies a
 * document's chunks and vectors from one collection's index into another's (no re-embedding), and
 * with `move` removes them from the first. A `drop-collection` job, sent after the delete jobs of a
 * deleted collection's documents, removes that collection's index directory (it is never General's).
 */
import { z } from 'zod';
import { collectionIdSchema, GENERAL_COLLECTION_ID } from './collection.ts';

export const INGEST_CONTRACT_VERSION = 1;

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export const PPTX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const ODT_MEDIA_TYPE = 'application/vnd.oasis.opendocument.text';
/** Scans and photos, read by OCR (src/ingest/ocr/). */
export const IMAGE_MEDIA_TYPES = ['image/png', 'image/jpeg', 'image/tiff', 'image/webp'] as const;

export const SUPPORTED_MEDIA_TYPES = [
  'application/pdf',
  'text/plain',
  'text/markdown',
  'text/html',
  DOCX_MEDIA_TYPE,
  PPTX_MEDIA_TYPE,
  XLSX_MEDIA_TYPE,
  'text/csv',
  'application/epub+zip',
  ODT_MEDIA_TYPE,
  'application/rtf',
  ...IMAGE_MEDIA_TYPES,
] as const;
export type MediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

export const INGEST_JOB_KINDS = ['ingest', 'delete', 'reindex', 'copy', 'drop-collection'] as const;

export const ingestJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  /** Absent in messages from before deletes existed; absent means ingest. */
  kind: z.literal('ingest').optional(),
  /** sha256 of the content, hex: the document's identity. */
  documentId: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the upload is stored; always a path the service chose, never the user's file name. */
  storedPath: z.string().min(1),
  name: z.string().min(1).max(500),
  mediaType: z.enum(SUPPORTED_MEDIA_TYPES),
  size: z.number().int().min(0),
  /** The collection whose index the document goes into; absent in messages from before collections. */
  collectionId: collectionIdSchema.default(GENERAL_COLLECTION_ID),
});
export type IngestJob = z.input<typeof ingestJobSchema>;

export const deleteJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('delete'),
  documentId: z.string().regex(/^[0-9a-f]{64}$/),
  /** For log lines and the `deleted` event. */
  name: z.string().min(1).max(500),
  /** The stored upload to remove, a path the service chose; null when there is none. */
  storedPath: z.string().min(1).nullable(),
  /**
   * Only this collection's index drops the document, which stays in the others (no upload removed,
   * no `deleted` event). Absent: the document is deleted from every collection (as before collections).
   */
  collectionId: collectionIdSchema.optional(),
});
export type DeleteJob = z.infer<typeof deleteJobSchema>;

export const reindexJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('reindex'),
  /**
   * Only this collection's index is rebuilt (from the documents listed, which are its members);
   * every other collection's index is left as it is. Absent: every collection's.
   */
  collectionId: collectionIdSchema.optional(),
  /** Every stored document to rebuild the index from; the ones not listed leave the index. */
  documents: z.array(
    z.object({
      documentId: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().min(1).max(500),
      /** The stored upload, a path the service chose. */
      storedPath: z.string().min(1),
      /** The collections it belongs to; absent in messages from before collections: General. */
      collectionIds: z.array(collectionIdSchema).min(1).optional(),
    }),
  ),
});
export type ReindexJob = z.infer<typeof reindexJobSchema>;

export const copyJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('copy'),
  documentId: z.string().regex(/^[0-9a-f]{64}$/),
  /** For log lines. */
  name: z.string().min(1).max(500),
  /** The collection whose index holds the document's chunks and vectors. */
  from: collectionIdSchema,
  to: collectionIdSchema,
  /** Remove it from `from` once it is in `to` (a move). */
  move: z.boolean(),
});
export type CopyJob = z.infer<typeof copyJobSchema>;

export const dropCollectionJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('drop-collection'),
  /** The deleted collection whose index directory goes; General's (VECTORSTORE_DIR itself) never does. */
  collectionId: collectionIdSchema.refine((id) => id !== GENERAL_COLLECTION_ID, 'General cannot be deleted'),
});
export type DropCollectionJob = z.infer<typeof dropCollectionJobSchema>;

/** A parsed `ingest.jobs` message: an ingest job always has its collection (defaulted). */
export type IngestQueueMessage = z.infer<typeof ingestJobSchema> | DeleteJob | ReindexJob | CopyJob | DropCollectionJob;

/**
 * Validates an `ingest.jobs` message of either kind; the issues name the fields of the kind the
 * message claims to be (an unknown `kind` is itself the issue).
 */
export function parseIngestQueueMessage(body: unknown): z.SafeParseReturnType<unknown, IngestQueueMessage> {
  const kind = (body as { kind?: unknown } | null)?.kind;
  if (kind === 'delete') return deleteJobSchema.safeParse(body);
  if (kind === 'reindex') return reindexJobSchema.safeParse(body);
  if (kind === 'copy') return copyJobSchema.safeParse(body);
  if (kind === 'drop-collection') return dropCollectionJobSchema.safeParse(body);
  if (kind === undefined || kind === 'ingest') return ingestJobSchema.safeParse(body);
  return z.object({ kind: z.enum(INGEST_JOB_KINDS) }).safeParse(body) as z.SafeParseReturnType<unknown, IngestQueueMessage>;
}

/**
 * `deleting`: the web accepted a delete and sent the job; `deleted`: the worker removed the
 * document from the index (only ever an event: the web then drops the document's row).
 */
export const DOCUMENT_STATUSES = ['queued', 'processing', 'ready', 'failed', 'deleting', 'deleted'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const ingestEventSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  documentId: z.string(),
  name: z.string(),
  status: z.enum(DOCUMENT_STATUSES),
  /** stored | parsing | chunking | embedding | saving | indexed | failed | deleted */
  stage: z.string(),
  /** 0..1 within the job. */
  progress: z.number().min(0).max(1),
  pages: z.number().int().nullable(),
  chunks: z.number().int().nullable(),
  error: z.string().nullable(),
  /**
   * What the stage is counting, when it counts: pages parsed or chunks embedded so far (`done`)
   * out of `total`. Optional: events from before it existed lack it.
   */
  done: z.number().int().min(0).nullable().optional(),
  total: z.number().int().min(0).nullable().optional(),
  at: z.number(),
});
export type IngestEvent = z.infer<typeof ingestEventSchema>;

/**
 * The stage of an upload that arrived while the index needs a re-index (it was built by another
 * embedding model): the document stays `queued` with this stage and the reason in `error`, its
 * upload is kept, and the next re-index indexes it with the configured model.
 */
export const WAITING_FOR_REINDEX_STAGE = 'waiting for re-index';

export const indexUpdateSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  version: z.string(),
  chunks: z.number().int(),
  at: z.number(),
  /** The collection whose index changed; absent from older workers (reload every collection). */
  collectionId: collectionIdSchema.optional(),
});
export type IndexUpdate = z.infer<typeof indexUpdateSchema>;
