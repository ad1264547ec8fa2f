/**
 * Where documents came from besides uploads, in the document registry's database:
 *   - `url`: a web page's address -> the document made from it (refreshed on demand);
 *   - `inbox`: a file of the watched inbox (its path relative to the inbox) -> the document made from
 *     it, with the size and mtime it had then, so a restart ingests only what changed meanwhile.
 * One row per source; several sources may name one document (the same bytes twice).
 */
import type Database from 'better-sqlite3';

export type SourceKind = 'url' | 'inbox';

export interface SourceRow {
  kind: SourceKind;
  source: string;
  documentId: string;
  size: number;
  mtimeMs: number;
}

interface Raw {
  kind: SourceKind;
  source: string;
  document_id: string;
  size: number;
  mtime_ms: number;
}

const toRow = (r: Raw): SourceRow => ({ kind: r.kind, source: r.source, documentId: r.document_id, size: r.size, mtimeMs: r.mtime_ms });

export class SourceRegistry {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS document_sources (
      kind TEXT NOT NULL, source TEXT NOT NULL, document_id TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,
      mtime_ms REAL NOT NULL DEFAULT 0, PRIMARY KEY (kind, source))`);
    db.exec('CREATE INDEX IF NOT EXISTS document_sources_document ON document_sources (document_id)');
  }

  set(row: SourceRow): void {
    this.db
      .prepare(
        `INSERT INTO document_sources (kind, source, document_id, size, mtime_ms) VALUES (@kind, @source, @documentId, @size, @mtimeMs)
         ON CONFLICT(kind, source) DO UPDATE SET document_id = @documentId, size = @size, mtime_ms = @mtimeMs`,
      )
      .run(row);
  }

  get(kind: SourceKind, source: string): SourceRow | undefined {
    const r = this.db.prepare('SELECT * FROM document_sources WHERE kind = ? AND source = ?').get(kind, source) as Raw | undefined;
    return r && toRow(r);
  }

  remove(kind: SourceKind, source: string): void {
    this.db.prepare('DELETE FROM document_sources WHERE kind = ? AND source = ?').run(kind, source);
  }

  list(kind: SourceKind): SourceRow[] {
    return (this.db.prepare('SELECT * FROM document_sources WHERE kind = ? ORDER BY source').all(kind) as Raw[]).map(toRow);
  }

  /** The web address a document was fetched from (the latest, if several). */
  urlOf(documentId: string): string | undefined {
    const r = this.db.prepare(`SELECT source FROM document_sources WHERE kind = 'url' AND document_id = ? ORDER BY rowid DESC LIMIT 1`).get(documentId) as { source: string } | undefined;
    return r?.source;
  }

  /** Drops the web addresses that name the document (it was deleted). */
  forgetUrls(documentId: string): void {
    this.db.prepare(`DELETE FROM document_sources WHERE kind = 'url' AND document_id = ?`).run(documentId);
  }

  /** How many sources name the document. */
  countFor(documentId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM document_sources WHERE document_id = ?').get(documentId) as { n: number }).n;
  }
}
