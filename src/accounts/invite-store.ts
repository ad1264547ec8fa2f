/**
 * Invite rows of the account store (table invites, see ./account-schema.ts). An invite is kept
 * under the SHA-256 of its secret, like an API token, so a copy of the file invites no one. Using
 * one is a single transaction: the invite is checked, the member made and the invite marked used
 * together, so two people racing with the same link make one account.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { secretHash } from './account-keys.ts';

export interface InviteRow {
  id: string;
  label: string;
  /** The admin who made it (their name), or null when made by the CLI or they were removed. */
  createdBy: string | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
  /** The name of the member it made (null when unused, or that member was removed). */
  usedBy: string | null;
  revokedAt: number | null;
}

interface Row {
  id: string;
  label: string;
  created_by_name: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_name: string | null;
  revoked_at: number | null;
}

const SELECT = `SELECT i.id, i.label, c.name AS created_by_name, i.created_at, i.expires_at, i.used_at, u.name AS used_by_name, i.revoked_at
  FROM invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.used_by`;

const toInvite = (r: Row): InviteRow => ({
  id: r.id,
  label: r.label,
  createdBy: r.created_by_name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  usedBy: r.used_by_name,
  revokedAt: r.revoked_at,
});

export class InviteStore {
  constructor(private readonly db: Database.Database) {}

  insert(token: string, label: string, createdBy: string | null, now: number, expiresAt: number): InviteRow {
    const id = randomUUID();
    this.db.prepare('INSERT INTO invites (id, token_hash, label, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, secretHash(token), label, createdBy, now, expiresAt);
    return this.get(id)!;
  }

  get(id: string): InviteRow | undefined {
    const r = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as Row | undefined;
    return r && toInvite(r);
  }

  /** The invite whose secret is `token`, whatever its state. */
  findByToken(token: string): InviteRow | undefined {
    const r = this.db.prepare(`${SELECT} WHERE i.token_hash = ?`).get(secretHash(token)) as Row | undefined;
    return r && toInvite(r);
  }

  /** Newest first. */
  list(limit = 200): InviteRow[] {
    return (this.db.prepare(`${SELECT} ORDER BY i.created_at DESC, i.id LIMIT ?`).all(limit) as Row[]).map(toInvite);
  }

  /** Marks an unused invite revoked; false when there is none unused with that id. */
  revoke(id: string, now: number): boolean {
    return this.db.prepare('UPDATE invites SET revoked_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL').run(now, id).changes === 1;
  }

  /**
   * In one transaction: `check` sees the invite as it is now (and throws to refuse), `create`
   * makes the user (and throws when it cannot), then the invite is marked used by them.
   */
  use<T extends { id: string }>(token: string, now: number, check: (invite: InviteRow | undefined) => void, create: () => T): T {
    return this.db.transaction(() => {
      check(this.findByToken(token));
      const user = create();
      this.db.prepare('UPDATE invites SET used_at = ?, used_by = ? WHERE token_hash = ?').run(now, user.id, secretHash(token));
      return user;
    }).immediate();
  }

  /** Drops invites that ended (expired, used or revoked) before `before`: the list stays short. */
  deleteEndedBefore(before: number): number {
    return this.db.prepare('DELETE FROM invites WHERE MAX(expires_at, COALESCE(used_at, 0), COALESCE(revoked_at, 0)) < ?').run(before).changes;
  }
}
