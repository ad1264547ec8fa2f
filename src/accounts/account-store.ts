/**
 * Users, sessions, API tokens (and, through `rights`, rights per collection) in SQLite (tables: ./account-schema.ts). Plain storage: rules
 * (expiry, throttling, validation) live in ./accounts.ts. The web and `npm run users` open the same
 * file; WAL lets one write while the other reads.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { nameKey, secretHash } from './account-keys.ts';
import { openAccountSchema } from './account-schema.ts';
import { InviteStore } from './invite-store.ts';
import { IdentityStore } from './oidc/identity-store.ts';
import { RightsStore } from './rights-store.ts';

import type { Role } from './account-keys.ts';

export type { Role };

export interface User {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export interface ApiTokenView {
  id: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

interface UserRow {
  id: string;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled: number;
}

const toUser = (r: UserRow): User => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, disabled: r.disabled === 1 });

/** Re-exported: callers keep importing the keys from the store. */
export { nameKey, secretHash };

export class AccountStore {
  private readonly db: Database.Database;
  private closed = false;
  /** Rights per collection, in the same file. */
  readonly rights: RightsStore;
  /** Single sign-on identities and pending sign-ins, in the same file. */
  readonly identities: IdentityStore;
  /** Sign-up invites, in the same file. */
  readonly invites: InviteStore;

  /** `file` is a path or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    openAccountSchema(this.db);
    this.rights = new RightsStore(this.db);
    this.identities = new IdentityStore(this.db);
    this.invites = new InviteStore(this.db);
  }

  hasUsers(): boolean {
    return this.db.prepare('SELECT 1 FROM users LIMIT 1').get() !== undefined;
  }

  listUsers(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY name_key').all() as UserRow[]).map(toUser);
  }

  /** The user named `name` (any case) with their password hash. */
  findByName(name: string): { user: User; passwordHash: string | null } | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE name_key = ?').get(nameKey(name)) as UserRow | undefined;
    return r && { user: toUser(r), passwordHash: r.password_hash };
  }

  /** Adds a user; false when the name is taken (in any case). */
  insertUser(name: string, role: Role, passwordHash: string, now: number): User | undefined {
    const id = randomUUID();
    const res = this.db
      .prepare('INSERT INTO users (id, name, name_key, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING')
      .run(id, name, nameKey(name), role, passwordHash, now, now);
    return res.changes === 1 ? { id, name, role, createdAt: now, disabled: false } : undefined;
  }

  /** Deletes the user, their sessions and tokens; false when there was no such user. */
  deleteUser(id: string): boolean {
    return this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes === 1;
  }

  /** Makes the user an admin or a member; false when there is no such user. */
  setRole(id: string, role: Role): boolean {
    return this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id).changes === 1;
  }

  countAdmins(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
  }

  /** Replaces the password hash and ends every session of the user. */
  setPassword(id: string, passwordHash: string, now: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?').run(passwordHash, now, id);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
    })();
  }

  /** Replaces the hash of the same password (stronger parameters); sessions stay. */
  rehashPassword(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  insertSession(sessionId: string, userId: string, now: number): void {
    this.db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)').run(secretHash(sessionId), userId, now, now);
  }

  /** The session's user and times; undefined for an unknown (or ended) session. */
  findSession(sessionId: string): { user: User; createdAt: number; lastSeenAt: number } | undefined {
    const r = this.db
      .prepare('SELECT u.*, s.created_at AS s_created, s.last_seen_at AS s_seen FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?')
      .get(secretHash(sessionId)) as (UserRow & { s_created: number; s_seen: number }) | undefined;
    return r && { user: toUser(r), createdAt: r.s_created, lastSeenAt: r.s_seen };
  }

  touchSession(sessionId: string, now: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(now, secretHash(sessionId));
  }

  deleteSession(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(secretHash(sessionId));
  }

  /** Removes sessions idle since `idleBefore` or started before `startedBefore`. */
  deleteExpiredSessions(idleBefore: number, startedBefore: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(idleBefore, startedBefore).changes;
  }

  insertToken(userId: string, label: string, token: string, now: number): ApiTokenView {
    const id = randomUUID();
    this.db.prepare('INSERT INTO api_tokens (id, user_id, label, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(id, userId, label, secretHash(token), now);
    return { id, label, createdAt: now, lastUsedAt: null };
  }

  listTokens(userId: string): ApiTokenView[] {
    const rows = this.db.prepare('SELECT id, label, created_at, last_used_at FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id').all(userId) as Array<{ id: string; label: string; created_at: number; last_used_at: number | null }>;
    return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
  }

  /** The token's owner, noting the use; undefined for an unknown (or revoked) token. */
  useToken(token: string, now: number): User | undefined {
    const hash = secretHash(token);
    const r = this.db.prepare('SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?').get(hash) as UserRow | undefined;
    // At most one write a minute per token, not one per request.
    if (r) this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(now, hash, now - 60_000);
    return r && toUser(r);
  }

  /** Revokes one of the user's tokens; false when the user has no such token. */
  deleteToken(userId: string, tokenId: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ? AND user_id = ?').run(tokenId, userId).changes === 1;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
