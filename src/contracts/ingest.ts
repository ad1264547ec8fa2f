/**
 * Wire format of the `ingest.jobs` queue, the `ingest.events` fanout (progress) and the
 * `index.updates` fanout (a new index version is live).
 */
import { z } from 'zod';

export const INGEST_CONTRACT_VERSION = 1;

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export const SUPPORTED_MEDIA_TYPES = ['application/pdf', 'text/plain', 'text/markdown', 'text/html', DOCX_MEDIA_TYPE] as const;
export type MediaType = (typeof SUPPORTED_MEDIA_TYPES)[number];

export const ingestJobSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  id: z.string().min(1),
  /** sha256 of the content, hex: the document's identity. */
  documentId: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where the upload is stored; always a path the service chose, never the user's file name. */
  storedPath: z.string().min(1),
  name: z.string().min(1).max(500),
  mediaType: z.enum(SUPPORTED_MEDIA_TYPES),
  size: z.number().int().min(0),
});
export type IngestJob = z.infer<typeof ingestJobSchema>;

export const DOCUMENT_STATUSES = ['queued', 'processing', 'ready', 'failed'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export const ingestEventSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  documentId: z.string(),
  name: z.string(),
  status: z.enum(DOCUMENT_STATUSES),
  /** stored | parsing | chunking | embedding | indexed | failed */
  stage: z.string(),
  /** 0..1 within the job. */
  progress: z.number().min(0).max(1),
  pages: z.number().int().nullable(),
  chunks: z.number().int().nullable(),
  error: z.string().nullable(),
  at: z.number(),
});
export type IngestEvent = z.infer<typeof ingestEventSchema>;

export const indexUpdateSchema = z.object({
  v: z.literal(INGEST_CONTRACT_VERSION),
  version: z.string(),
  chunks: z.number().int(),
  at: z.number(),
});
export type IndexUpdate = z.infer<typeof indexUpdateSchema>;
