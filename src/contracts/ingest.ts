/**
 * Wire format of the `ingest.jobs` queue, the `ingest.events` fanout (progress) and the
 * `index.updates` fanout (a new index version is live).
 *
 * `ingest.jobs` carries two kinds of job, told apart by `kind`: `ingest` (add or replace a
 * document) and `delete` (remove it from the index and drop its stored upload). Both go through
 * the one queue so the single active ingest worker applies them in order: a delete sent while the
 * document is still being ingested runs after that ingest. A message without `kind` (the first
 * version of this contract) is an ingest job. A `reindex` job rebuilds the whole index with the
 * configured embedding model and chunker from the stored uploads it lists, into a fresh index
 * version that replaces the live one in one step (see src/ingest/reindex-job.ts).
 */
import { z } from 'zod';

export const INGEST_CONTRACT_VERSION = 1;

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export const SUPPORTED_MEDIA_TYPES = ['application/pdf', 'text/plain', 'text/markdown', 'text/html', DOCX_MEDIA_TYPE] as const;
export type MediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

export const INGEST_JOB_KINDS = ['ingest', 'delete', 'reindex'] as const;

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
});
export type IngestJob = z.infer<typeof ingestJobSchema>;

export const deleteJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('delete'),
  documentId: z.string().regex(/^[0-9a-f]{64}$/),
  /** For log lines and the `deleted` event. */
  name: z.string().min(1).max(500),
  /** The stored upload to remove, a path the service chose; null when there is none. */
  storedPath: z.string().min(1).nullable(),
});
export type DeleteJob = z.infer<typeof deleteJobSchema>;

export const reindexJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  kind: z.literal('reindex'),
  /** Every stored document to rebuild the index from; the ones not listed leave the index. */
  documents: z.array(
    z.object({
      documentId: z.string().regex(/^[0-9a-f]{64}$/),
      name: z.string().min(1).max(500),
      /** The stored upload, a path the service chose. */
      storedPath: z.string().min(1),
    }),
  ),
});
export type ReindexJob = z.infer<typeof reindexJobSchema>;

export type IngestQueueMessage = IngestJob | DeleteJob | ReindexJob;

/**
 * Validates an `ingest.jobs` message of either kind; the issues name the fields of the kind the
 * message claims to be (an unknown `kind` is itself the issue).
 */
export function parseIngestQueueMessage(body: unknown): z.SafeParseReturnType<unknown, IngestQueueMessage> {
  const kind = (body as { kind?: unknown } | null)?.kind;
  if (kind === 'delete') return deleteJobSchema.safeParse(body);
  if (kind === 'reindex') return reindexJobSchema.safeParse(body);
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
});
export type IndexUpdate = z.infer<typeof indexUpdateSchema>;
