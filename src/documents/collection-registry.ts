/**
 * Collections and document memberships, in the documents registry's SQLite database:
 *   collections(id, name, name_key UNIQUE, description, created_at)
 *   document_collections(document_id -> documents, collection_id -> collections), cascading deletes
 *
 * Upgrade in place (PRAGMA user_version 0 -> 1): the tables are created, `General` (id `general`)
 * is added, and every document already registered becomes a member of General, whose index is the
 * one those documents are already in (VECTORSTORE_DIR): nothing is moved or embedded again. A fresh
 * install runs the same step and starts with General alone.
 */
import type Database from 'better-sqlite3';
import { GENERAL_COLLECTION_ID, GENERAL_COLLECTION_NAME } from '../contracts/collection.ts';
import { InvalidInputError } from '../errors.ts';
import type { CollectionView } from '../ports/collection-service.ts';
import { collectionNameKey, newCollectionId } from './collection-names.ts';

const SCHEMA_VERSION = 1;

interface Row {
  id: string;
  name: string;
  description: string;
  created_at: number;
  documents: number;
}

const toView = (r: Row): CollectionView => ({ id: r.id, name: r.name, description: r.description, createdAt: r.created_at, documents: r.documents });

/** Creates the collection tables and makes every existing document a member of General (once). */
export function migrateCollections(db: Database.Database, now = Date.now()): void {
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS collections (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
      created_at INTEGER NOT NULL)`);
    db.exec(`CREATE TABLE IF NOT EXISTS document_collections (
      document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      collection_id TEXT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
      PRIMARY KEY (document_id, collection_id))`);
    db.exec('CREATE INDEX IF NOT EXISTS document_collections_by_collection ON document_collections(collection_id)');
    db.prepare(`INSERT OR IGNORE INTO collections (id, name, name_key, description, created_at) VALUES (?, ?, ?, '', ?)`).run(
      GENERAL_COLLECTION_ID,
      GENERAL_COLLECTION_NAME,
      collectionNameKey(GENERAL_COLLECTION_NAME),
      now,
    );
    db.prepare('INSERT OR IGNORE INTO document_collections (document_id, collection_id) SELECT id, ? FROM documents').run(GENERAL_COLLECTION_ID);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

const SELECT = `SELECT c.id, c.name, c.description, c.created_at,
  (SELECT COUNT(*) FROM document_collections m WHERE m.collection_id = c.id) AS documents FROM collections c`;

export class CollectionRegistry {
  constructor(private readonly db: Database.Database) {}

  list(): CollectionView[] {
    // General first, then by name.
    return (this.db.prepare(`${SELECT} ORDER BY c.id != ?, c.name_key`).all(GENERAL_COLLECTION_ID) as Row[]).map(toView);
  }

  /** By id, else by name (case ignored). */
  find(idOrName: string): CollectionView | undefined {
    const row = (this.db.prepare(`${SELECT} WHERE c.id = ?`).get(idOrName) ??
      this.db.prepare(`${SELECT} WHERE c.name_key = ?`).get(collectionNameKey(idOrName.trim()))) as Row | undefined;
    return row && toView(row);
  }

  /** `name` and `description` already cleaned (collection-names.ts). */
  create(input: { name: string; description: string }, now = Date.now()): CollectionView {
    this.assertFree(input.name);
    let id = newCollectionId();
    while (this.find(id)) id = newCollectionId();
    this.db
      .prepare('INSERT INTO collections (id, name, name_key, description, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, input.name, collectionNameKey(input.name), input.description, now);
    return this.find(id)!;
  }

  update(id: string, input: { name?: string | undefined; description?: string | undefined }): CollectionView {
    if (input.name !== undefined) {
      this.assertFree(input.name, id);
      this.db.prepare('UPDATE collections SET name = ?, name_key = ? WHERE id = ?').run(input.name, collectionNameKey(input.name), id);
    }
    if (input.description !== undefined) this.db.prepare('UPDATE collections SET description = ? WHERE id = ?').run(input.description, id);
    return this.find(id)!;
  }

  /** Removes the collection and its memberships. */
  remove(id: string): void {
    this.db.prepare('DELETE FROM collections WHERE id = ?').run(id);
  }

  /** Ids of the collections the document belongs to, General first. */
  of(documentId: string): string[] {
    const rows = this.db.prepare('SELECT collection_id FROM document_collections WHERE document_id = ? ORDER BY collection_id != ?, collection_id').all(documentId, GENERAL_COLLECTION_ID) as Array<{ collection_id: string }>;
    return rows.map((r) => r.collection_id);
  }

  /** Every document's collection ids. */
  all(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.db.prepare('SELECT document_id, collection_id FROM document_collections ORDER BY collection_id != ?, collection_id').iterate(GENERAL_COLLECTION_ID) as Iterable<{ document_id: string; collection_id: string }>) {
      const ids = out.get(r.document_id);
      if (ids) ids.push(r.collection_id);
      else out.set(r.document_id, [r.collection_id]);
    }
    return out;
  }

  /** Ids of the documents in a collection. */
  members(collectionId: string): string[] {
    return (this.db.prepare('SELECT document_id FROM document_collections WHERE collection_id = ?').all(collectionId) as Array<{ document_id: string }>).map((r) => r.document_id);
  }

  add(documentId: string, collectionId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO document_collections (document_id, collection_id) VALUES (?, ?)').run(documentId, collectionId);
  }

  removeMember(documentId: string, collectionId: string): void {
    this.db.prepare('DELETE FROM document_collections WHERE document_id = ? AND collection_id = ?').run(documentId, collectionId);
  }

  private assertFree(name: string, exceptId?: string): void {
    const taken = this.db.prepare('SELECT id, name FROM collections WHERE name_key = ?').get(collectionNameKey(name)) as { id: string; name: string } | undefined;
    if (taken && taken.id !== exceptId) throw new InvalidInputError(`There is already a collection named "${taken.name}"; choose another name.`, { code: 'collection_name_taken' });
  }
}
