/**
 * Rights per collection in the account store's SQLite file (table collection_rights, see
 * ./account-schema.ts); the rule over them is ./rights.ts. One row per collection and grantee: a
 * new grant replaces the earlier level. First-run defaults (`seedDefaults`) are given once per
 * store, so an admin who later revokes them is not overruled at the next start.
 */
import type Database from 'better-sqlite3';
import { EVERYONE, type Grant, type Level } from './rights.ts';

interface GrantRow {
  collection_id: string;
  grantee: string;
  level: Level;
}

const toGrant = (r: GrantRow): Grant => ({ collectionId: r.collection_id, grantee: r.grantee, level: r.level });

export class RightsStore {
  constructor(private readonly db: Database.Database) {}

  /** Every grant, by collection then grantee. */
  all(): Grant[] {
    return (this.db.prepare('SELECT collection_id, grantee, level FROM collection_rights ORDER BY collection_id, grantee').all() as GrantRow[]).map(toGrant);
  }

  /** The grants that concern one user: their own and everyone's. */
  forUser(userId: string): Grant[] {
    const rows = this.db.prepare('SELECT collection_id, grantee, level FROM collection_rights WHERE grantee IN (?, ?)').all(userId, EVERYONE) as GrantRow[];
    return rows.map(toGrant);
  }

  grant(collectionId: string, grantee: string, level: Level, now: number): void {
    this.db
      .prepare('INSERT INTO collection_rights (collection_id, grantee, level, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT (collection_id, grantee) DO UPDATE SET level = excluded.level, granted_at = excluded.granted_at')
      .run(collectionId, grantee, level, now);
  }

  /** False when there was no such grant. */
  revoke(collectionId: string, grantee: string): boolean {
    return this.db.prepare('DELETE FROM collection_rights WHERE collection_id = ? AND grantee = ?').run(collectionId, grantee).changes === 1;
  }

  /** Drops every grant on a deleted collection. */
  forgetCollection(collectionId: string): void {
    this.db.prepare('DELETE FROM collection_rights WHERE collection_id = ?').run(collectionId);
  }

  /** Gives `grants` once in the store's life (marker `key` in account_meta); true when given now. */
  seedOnce(key: string, grants: readonly Grant[], now: number): boolean {
    return this.db.transaction(() => {
      const done = this.db.prepare('INSERT INTO account_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, String(now)).changes === 0;
      if (done) return false;
      for (const g of grants) this.grant(g.collectionId, g.grantee, g.level, now);
      return true;
    })();
  }
}
