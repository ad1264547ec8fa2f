/**
 * The document-library port: what the web needs to upload, list, delete and re-index documents.
 * src/documents/document-service.ts implements it over the work queue; the web depends on this only.
 */
import type { DocumentStatus } from '../contracts/ingest.ts';

export interface DocumentView {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  status: DocumentStatus;
  /** Current stage while processing (stored, parsing, embedding, indexed, failed). */
  stage: string;
  /** 0..1 */
  progress: number;
  pages: number | null;
  chunks: number | null;
  error: string | null;
  /** What the stage is counting (pages parsed, chunks embedded): so far / in all; null when it is not counting. */
  done?: number | null;
  total?: number | null;
  createdAt: number;
  updatedAt: number;
  /** The web address it was fetched from ("Add a web page"); absent for uploads. */
  sourceUrl?: string | undefined;
  /** Ids of the collections it belongs to (list and get). */
  collections?: string[];
}

/** Orders of a document list page; each breaks ties by id, so the order is total and a cursor exact. */
export const DOCUMENT_SORTS = ['added', 'name', 'status', 'size'] as const;
export type DocumentSort = (typeof DOCUMENT_SORTS)[number];
export type SortOrder = 'asc' | 'desc';
/** The order of each sort when none is named: newest, A to Z, by status (then name), largest. */
export const DOCUMENT_SORT_DEFAULT_ORDER: Readonly<Record<DocumentSort, SortOrder>> = { added: 'desc', name: 'asc', status: 'asc', size: 'desc' };
/** Documents per page when the caller names no limit, and the most it may ask for. */
export const DOCUMENT_PAGE_DEFAULT = 50;
export const DOCUMENT_PAGE_MAX = 500;

/** One page of the document list, already validated by the caller (the web). */
export interface DocumentPageQuery {
  limit: number;
  /** `next` of the previous page with the same sort and order. */
  cursor?: string | undefined;
  /** Only documents whose name contains this (case ignored). */
  q?: string | undefined;
  status?: DocumentStatus | undefined;
  /** Only documents in this collection (an id). */
  collectionId?: string | undefined;
  /** Only documents in at least one of these collections (ids): the ones the user may read. Absent: any. */
  inCollections?: readonly string[] | undefined;
  sort: DocumentSort;
  order: SortOrder;
}

export interface DocumentPage {
  documents: DocumentView[];
  /** Cursor for the following page; null when this is the last one. */
  next: string | null;
  /** Documents matching the filters, in all pages. */
  total: number;
}

export interface UploadedFile {
  /** Temporary file the upload was streamed to; the service moves or deletes it. */
  tempPath: string;
  originalName: string;
  size: number;
}

export interface UploadResult {
  id: string;
  name: string;
  status: DocumentStatus;
  /** True when the same content was uploaded before: nothing new is ingested. */
  duplicate: boolean;
}

export interface DocumentService {
  /**
   * Detects the type from the content, stores and enqueues into the collection (default General);
   * throws InvalidInputError for bad files.
   */
  upload(files: UploadedFile[], opts?: { collectionId?: string | undefined }): Promise<UploadResult[]>;
  /**
   * Throws UnavailableError (503 + Retry-After) when the ingest queue is full
   * (MAX_PENDING_DOCUMENTS), so an upload can be refused before its body is read.
   */
  assertAccepting?(): void;
  /** Every document (small libraries, re-index); lists shown to people use `page`. */
  list(): DocumentView[];
  /**
   * One page in the query's order, after its cursor (keyset: documents added or removed meanwhile
   * do not shift later pages). Throws InvalidInputError for a cursor it did not make for this
   * sort and order.
   */
  page(query: DocumentPageQuery): DocumentPage;
  get(id: string): DocumentView | undefined;
  /**
   * Sends a delete job for the document and marks it `deleting`; it disappears from the list when
   * the ingest worker has removed it from the index. Undefined when there is no such document.
   */
  delete(id: string): Promise<DocumentView | undefined>;
  /** Calls the listener on every status change (status `deleted` when one is gone); returns the unsubscribe function. */
  onChange(listener: (doc: DocumentView) => void): () => void;
  /**
   * Sends one `reindex` job that rebuilds the index from every stored document not being deleted
   * with the configured embedding model; returns those documents, now queued for re-index. With
   * `collectionId` (an id, already resolved) only that collection's index is rebuilt, from its documents.
   */
  reindex?(opts?: { collectionId?: string | undefined }): Promise<DocumentView[]>;
}
