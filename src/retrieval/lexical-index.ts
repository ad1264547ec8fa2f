/**
 * The lexical (BM25) index of one vector store's passages: an SQLite FTS5 table in memory
 * (better-sqlite3), kept by the FAISS store beside its vectors and saved into the same index
 * version directory (`lexical.sqlite`, faiss-files.ts), so every process that loads a version
 * searches exactly the passages its vectors hold: same adds, deletes, re-index and reloads.
 *
 * Each passage is one row of three columns that all take part in matching, weighted for BM25:
 * the document's title (its name without the extension) and the section path (headings above the
 * chunk) count TITLE_WEIGHT times the body, so a question naming a document or a section finds
 * its passages. Tokeniser: unicode61 with diacritics removed ("café" matches "cafe") and the
 * Porter stemmer ("founded" matches "found"): measured in `npm run eval:retrieval` (docs/benchmarks.md).
 *
 * The FTS table is contentless (`content=''`, `contentless_delete=1`): it holds only the inverted
 * index, as the text is in the store already; rowids map to chunk ids through a plain table.
 * Queries come from fts-query.ts only, never from user text directly.
 */
import Database from 'better-sqlite3';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { ftsMatchQuery } from './fts-query.ts';

/** Bumped when the schema or tokeniser changes: a stored file of another format is rebuilt from the chunks. */
export const LEXICAL_FORMAT = 1;
/** BM25 weight of the title and the section path, relative to the passage body. */
export const TITLE_WEIGHT = 2;

export interface LexicalOptions {
  /** Porter stemming on top of unicode61 (default true); off only to measure it. */
  stemming?: boolean;
}

export interface LexicalMatch {
  chunkId: string;
  /** BM25 relevance, higher is better (FTS5's bm25() negated); unbounded, comparable within one query. */
  score: number;
}

/** A document's name as a title: without its extension, separators read as spaces. */
export function titleOf(documentName: string): string {
  return documentName.replace(/\.[A-Za-z0-9]{1,8}$/, '').replace(/[_\-.]+/g, ' ');
}

interface Statements {
  insertChunk: Database.Statement;
  insertText: Database.Statement;
  deleteText: Database.Statement;
  deleteChunks: Database.Statement;
  match: Database.Statement;
  countRows: Database.Statement;
}

function prepare(db: Database.Database): Statements {
  const bm25 = `bm25(passages, ${TITLE_WEIGHT}, ${TITLE_WEIGHT}, 1)`;
  return {
    insertChunk: db.prepare('INSERT INTO chunks(chunk_id, document_id) VALUES (?, ?)'),
    insertText: db.prepare('INSERT INTO passages(rowid, title, heading, body) VALUES (?, ?, ?, ?)'),
    deleteText: db.prepare('DELETE FROM passages WHERE rowid IN (SELECT id FROM chunks WHERE document_id = ?)'),
    deleteChunks: db.prepare('DELETE FROM chunks WHERE document_id = ?'),
    match: db.prepare(`SELECT c.chunk_id AS chunkId, -${bm25} AS score FROM passages JOIN chunks c ON c.id = passages.rowid WHERE passages MATCH ? ORDER BY ${bm25} LIMIT ?`),
    countRows: db.prepare('SELECT count(*) AS n FROM chunks'),
  };
}

function formatOf(db: Database.Database): number | null {
  try {
    return (db.prepare('SELECT format FROM meta').get() as { format: number } | undefined)?.format ?? null;
  } catch {
    return null;
  }
}

/**
 * One lexical index. Opened from a version's file it is read-only and costs no copy (a reader
 * process never writes); the first add or removal copies it into memory (copy-on-write), so the
 * version file is never modified once CURRENT names it. Saving writes the database with SQLite's
 * online backup, which copies pages a step at a time and lets the event loop run between steps.
 */
export class LexicalIndex {
  private st: Statements;
  private closed = false;

  private constructor(
    private db: Database.Database,
    private readOnly: boolean,
  ) {
    this.st = prepare(db);
  }

  /** An empty index. */
  static empty(opts: LexicalOptions = {}): LexicalIndex {
    const db = new Database(':memory:');
    const tokenize = opts.stemming === false ? 'unicode61 remove_diacritics 2' : 'porter unicode61 remove_diacritics 2';
    db.exec(`
      CREATE TABLE meta(format INTEGER NOT NULL);
      INSERT INTO meta VALUES (${LEXICAL_FORMAT});
      CREATE TABLE chunks(id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, document_id TEXT NOT NULL);
      CREATE INDEX chunks_document ON chunks(document_id);
      CREATE VIRTUAL TABLE passages USING fts5(title, heading, body, content='', contentless_delete=1, tokenize='${tokenize}');
    `);
    return new LexicalIndex(db, false);
  }

  /** An index over `chunks` (for a version saved without a lexical file, or of another format). */
  static build(chunks: readonly ChunkRecord[], opts: LexicalOptions = {}): LexicalIndex {
    const idx = LexicalIndex.empty(opts);
    idx.add(chunks);
    return idx;
  }

  /**
   * The index a version saved, opened read-only in place; null when the file is not a lexical
   * index of this format (the caller rebuilds it from the chunks).
   */
  static openFile(file: string): LexicalIndex | null {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      if (formatOf(db) !== LEXICAL_FORMAT) {
        db.close();
        return null;
      }
      return new LexicalIndex(db, true);
    } catch {
      db?.close();
      return null;
    }
  }

  get size(): number {
    return (this.st.countRows.get() as { n: number }).n;
  }

  /** Adds passages in one transaction (synchronous: the caller slices large documents). */
  add(chunks: readonly ChunkRecord[]): void {
    this.writable();
    this.db.transaction(() => {
      for (const c of chunks) {
        const id = this.st.insertChunk.run(c.chunkId, c.documentId).lastInsertRowid;
        // The location joins the headings, so "slide 3" or a sheet's name can be searched for.
        this.st.insertText.run(id, titleOf(c.documentName), [c.location, c.headingPath].filter(Boolean).join(' · '), c.text);
      }
    })();
  }

  /** Removes every passage of a document; returns how many there were. */
  removeDocument(documentId: string): number {
    this.writable();
    return this.db.transaction(() => {
      this.st.deleteText.run(documentId);
      return this.st.deleteChunks.run(documentId).changes;
    })();
  }

  /** The best `limit` passages for what a person typed, best first; [] when it holds no search word. */
  search(text: string, limit: number): LexicalMatch[] {
    const q = ftsMatchQuery(text);
    const n = Math.floor(limit);
    if (q === null || n < 1 || this.closed) return [];
    return this.st.match.all(q, n) as LexicalMatch[];
  }

  /** Writes the whole index to `file` (SQLite online backup: a step at a time, the event loop runs between). */
  async writeTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** Copy-on-write: a read-only index opened from a version file moves into memory before its first change. */
  private writable(): void {
    if (this.closed) throw new Error('the lexical index is closed');
    if (!this.readOnly) return;
    const copy = new Database(this.db.serialize());
    this.db.close();
    this.db = copy;
    this.readOnly = false;
    this.st = prepare(copy);
  }
}
