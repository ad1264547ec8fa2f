/**
 * The web's list of documents and their ingest status, in SQLite. Rows are created at upload and
 * updated from `ingest.events`; an event older than the row's last update is ignored, so a late
 * progress message never overwrites a final status.
 */
import Database from 'better-sqlite3';
import type { DocumentStatus, IngestEvent } from '../contracts/ingest.ts';
import type { DocumentView } from '../web/services.ts';

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
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class DocumentRegistry {
  private readonly db: Database.Database;
  private closed = false;

  /** `file` is a path or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS documents (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER NOT NULL,
      status TEXT NOT NULL, stage TEXT NOT NULL, progress REAL NOT NULL, pages INTEGER, chunks INTEGER,
      error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  get(id: string): DocumentView | undefined {
    const row = this.db.prepare('SELECT * FROM documents WHERE id = ?').get(id) as Row | undefined;
    return row && toView(row);
  }

  list(): DocumentView[] {
    return (this.db.prepare('SELECT * FROM documents ORDER BY created_at DESC, name').all() as Row[]).map(toView);
  }

  /** Records a new upload (or a retry of a failed one) as queued. */
  queue(doc: { id: string; name: string; mediaType: string; size: number }, now = Date.now()): DocumentView {
    this.db
      .prepare(
        `INSERT INTO documents (id, name, media_type, size, status, stage, progress, pages, chunks, error, created_at, updated_at)
         VALUES (@id, @name, @mediaType, @size, 'queued', 'stored', 0, NULL, NULL, NULL, @now, @now)
         ON CONFLICT(id) DO UPDATE SET name = @name, status = 'queued', stage = 'stored', progress = 0,
           pages = NULL, chunks = NULL, error = NULL, updated_at = @now`,
      )
      .run({ ...doc, now });
    return this.get(doc.id)!;
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM documents WHERE id = ?').run(id);
  }

  /** Applies a progress event; returns the updated view, or undefined when it was stale. */
  apply(e: IngestEvent): DocumentView | undefined {
    const res = this.db
      .prepare(
        `INSERT INTO documents (id, name, media_type, size, status, stage, progress, pages, chunks, error, created_at, updated_at)
         VALUES (@documentId, @name, 'unknown', 0, @status, @stage, @progress, @pages, @chunks, @error, @at, @at)
         ON CONFLICT(id) DO UPDATE SET status = @status, stage = @stage, progress = @progress,
           pages = @pages, chunks = @chunks, error = @error, updated_at = @at
         WHERE @at >= documents.updated_at`,
      )
      .run(e);
    return res.changes > 0 ? this.get(e.documentId) : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
