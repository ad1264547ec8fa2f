/**
 * The web's list of documents and their ingest status, in SQLite. Rows are created at upload and
 * updated from `ingest.events`; an event older than the row's last update is ignored, so a late
 * progress message never overwrites a final status.
 *
 * Deleting: the row is marked `deleting` when the web sends the delete job, ignores the progress
 * of an ingest still running ahead of that job, and is removed when the worker reports `deleted`.
 * So a deleted document leaves no row behind, and uploading the same content again is a new upload.
 */
import Database from 'better-sqlite3';
import { shareableSqlite } from '../shared/sqlite-wal.ts';
import type { DocumentStatus, IngestEvent } from '../contracts/ingest.ts';
import type { DocumentPageQuery, DocumentView } from '../ports/document-service.ts';
import { CollectionRegistry, migrateCollections } from './collection-registry.ts';
import { preparePages, selectPage } from './document-pages.ts';
import { SourceRegistry } from './source-registry.ts';

interface Row {
  id: string;
  name: string;
  media_type: string;
  size: number;
  status: DocumentStatus;
  stage: string;
  progress: number;
  pages: number | null;
  chunks: number | null;
  error: string | null;
  done: number | null;
  total: number | null;
  created_at: number;
  updated_at: number;
}

const toView = (r: Row): DocumentView => ({
  id: r.id,
  name: r.name,
  mediaType: r.media_type,
  size: r.size,
  status: r.status,
  stage: r.stage,
  progress: r.progress,
  pages: r.pages,
  chunks: r.chunks,
  error: r.error,
  done: r.done,
  total: r.total,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class DocumentRegistry {
  private readonly db: Database.Database;
  /** Collections and memberships, in the same database (collection-registry.ts). */
  readonly collections: CollectionRegistry;
  /** Web addresses and inbox files documents came from (source-registry.ts). */
  readonly sources: SourceRegistry;
  private closed = false;

  /** `file` is a path or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    shareableSqlite(this.db);
    // Before any transaction: the pragma does nothing inside one (cascades of document_collections).
    this.db.pragma('foreign_keys = ON');
    // One IMMEDIATE transaction: web replicas opening the file at once take turns, and the later
    // one finds the columns added (read-then-alter in two would add them twice).
    this.db.transaction(() => this.migrate()).immediate();
    this.collections = new CollectionRegistry(this.db);
    this.sources = new SourceRegistry(this.db);
    preparePages(this.db);
  }

  private migrate(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS documents (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
      status TEXT NOT NULL, stage TEXT NOT NULL, progress REAL NOT NULL, pages INTEGER, chunks INTEGER,
      error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
    // Registries created before live progress counted pages and chunks lack these columns.
    const columns = new Set((this.db.prepare('PRAGMA table_info(documents)').all() as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('done')) this.db.exec('ALTER TABLE documents ADD COLUMN done INTEGER');
    if (!columns.has('total')) this.db.exec('ALTER TABLE documents ADD COLUMN total INTEGER');
    migrateCollections(this.db);
  }

  get(id: string): DocumentView | undefined {
    const row = this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as Row | undefined;
    return row && toView(row);
  }

  list(): DocumentView[] {
    return (this.db.prepare('SELECT * FROM documents ORDER BY created_at DESC, name').all() as Row[]).map(toView);
  }

  /** One page in the query's order after its cursor (document-pages.ts); InvalidInputError for a foreign cursor. */
  page(query: DocumentPageQuery): { documents: DocumentView[]; next: string | null; total: number } {
    const { rows, next, total } = selectPage<Row & Record<string, unknown>>(this.db, query);
    return { documents: rows.map(toView), next, total };
  }

  /** Records a new upload (or a retry of a failed one) as queued. */
  queue(doc: { id: string; name: string; mediaType: string; size: number }, now = Date.now()): DocumentView {
    this.db
      .prepare(
        `INSERT INTO documents (id, name, media_type, size, status, stage, progress, pages, chunks, error, created_at, updated_at)
         VALUES (@id, @name, @mediaType, @size, 'queued', 'stored', 0, NULL, NULL, NULL, @now, @now)
         ON CONFLICT(id) DO UPDATE SET name = @name, status = 'queued', stage = 'stored', progress = 0,
           pages = NULL, chunks = NULL, error = NULL, done = NULL, total = NULL, updated_at = @now`,
      )
      .run({ ...doc, now });
    return this.get(doc.id)!;
  }

  /**
   * Documents waiting for or in ingestion (queued, processing). Documents queued by a re-index are
   * left out: one re-index job carries them all, and it must not block uploads.
   */
  countPending(): number {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM documents WHERE status IN ('queued', 'processing') AND stage != 'queued for re-index'`)
      .get() as { n: number };
    return row.n;
  }

  /** Documents that failed before `cutoff` (ms since the epoch), by when they failed. */
  failedBefore(cutoff: number): DocumentView[] {
    return (this.db.prepare(`SELECT * FROM documents WHERE status = 'failed' AND updated_at < ? ORDER BY updated_at`).all(cutoff) as Row[]).map(toView);
  }

  /** Removes the row if it is still `failed` (not retried meanwhile); true when it was removed. */
  removeIfFailed(id: string): boolean {
    return this.db.prepare(`DELETE FROM documents WHERE id = ? AND status = 'failed'`).run(id).changes > 0;
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM documents WHERE id = ?').run(id);
  }

  /**
   * Marks a document `deleting`; returns its view before the change (to restore it when the delete
   * job cannot be sent), or undefined when there is no such document.
   */
  markDeleting(id: string, now = Date.now()): DocumentView | undefined {
    const before = this.get(id);
    if (!before) return undefined;
    this.db
      .prepare(`UPDATE documents SET status = 'deleting', stage = 'deleting', done = NULL, total = NULL, updated_at = MAX(updated_at, @now) WHERE id = @id`)
      .run({ id, now });
    return before;
  }

  /** Puts back a view saved by markDeleting. */
  restore(view: DocumentView): void {
    this.db
      .prepare('UPDATE documents SET status = @status, stage = @stage, progress = @progress, error = @error WHERE id = @id')
      .run({ id: view.id, status: view.status, stage: view.stage, progress: view.progress, error: view.error });
  }

  /**
   * Applies a progress event; returns the updated view (for `deleted`: the removed row's view with
   * status `deleted`), or undefined when it was stale or about a document being deleted.
   */
  apply(e: IngestEvent): DocumentView | undefined {
    if (e.status === 'deleted') {
      const row = this.get(e.documentId);
      if (!row) return undefined;
      this.remove(e.documentId);
      // A web address no longer names it (the same bytes uploaded later are an upload, not that page).
      this.sources.forgetUrls(e.documentId);
      return { ...row, status: 'deleted', stage: 'deleted', progress: 1, done: null, total: null, updatedAt: e.at };
    }
    const res = this.db
      .prepare(
        `INSERT INTO documents (id, name, media_type, size, status, stage, progress, pages, chunks, error, done, total, created_at, updated_at)
         VALUES (@documentId, @name, 'unknown', 0, @status, @stage, @progress, @pages, @chunks, @error, @done, @total, @at, @at)
         ON CONFLICT(id) DO UPDATE SET status = @status, stage = @stage, progress = @progress,
           pages = @pages, chunks = @chunks, error = @error, done = @done, total = @total, updated_at = @at
         WHERE @at >= documents.updated_at AND documents.status != 'deleting'`,
      )
      .run({ ...e, done: e.done ?? null, total: e.total ?? null });
    return res.changes > 0 ? this.get(e.documentId) : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
