/**
 * Single sign-on rows of the account store (tables external_identities and oidc_pending, see
 * ../account-schema.ts). A user found through a provider is found by (issuer, subject), the pair
 * OpenID Connect guarantees stable and unique, never by e-mail (an address can be reused or
 * claimed unverified). Pending sign-ins are kept under the hash of the pre-sign-in cookie and taken
 * at most once.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { nameKey, secretHash } from '../account-keys.ts';

type Role = 'admin' | 'member';
/** A user as ../account-store.ts has it (not imported from there: that module owns this one). */
interface User {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUrl: string;
  next: string;
  createdAt: number;
}

interface UserRow {
  id: string;
  name: string;
  role: Role;
  created_at: number;
  disabled: number;
}

const toUser = (r: UserRow): User => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, disabled: r.disabled === 1 });

export class IdentityStore {
  constructor(private readonly db: Database.Database) {}

  /** The user linked to (issuer, subject), noting the sign-in; undefined when there is none. */
  findUser(issuer: string, subject: string, now: number): User | undefined {
    const r = this.db
      .prepare('SELECT u.* FROM external_identities e JOIN users u ON u.id = e.user_id WHERE e.issuer = ? AND e.subject = ?')
      .get(issuer, subject) as UserRow | undefined;
    if (r) this.db.prepare('UPDATE external_identities SET last_sign_in_at = ? WHERE issuer = ? AND subject = ?').run(now, issuer, subject);
    return r && toUser(r);
  }

  /**
   * The user of (issuer, subject), created (without a password) under the first free name of
   * `names` when there is none yet. One transaction: two first sign-ins at once make one user.
   */
  findOrCreate(issuer: string, subject: string, names: () => Iterable<string>, role: Role, now: number): { user: User; created: boolean } {
    return this.db
      .transaction(() => {
        const found = this.findUser(issuer, subject, now);
        if (found) return { user: found, created: false };
        const id = randomUUID();
        const insert = this.db.prepare('INSERT INTO users (id, name, name_key, role, password_hash, created_at) VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (name_key) DO NOTHING');
        for (const name of names()) {
          if (insert.run(id, name, nameKey(name), role, now).changes !== 1) continue;
          this.db.prepare('INSERT INTO external_identities (issuer, subject, user_id, created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?)').run(issuer, subject, id, now, now);
          return { user: { id, name, role, createdAt: now, disabled: false }, created: true };
        }
        throw new Error('no free user name'); // names() ends with random suffixes: not reached
      })
      .immediate();
  }

  /** Whether the user signs in through a provider (has a linked identity). */
  isExternal(userId: string): boolean {
    return this.db.prepare('SELECT 1 FROM external_identities WHERE user_id = ? LIMIT 1').get(userId) !== undefined;
  }

  savePending(cookieId: string, p: PendingSignIn): void {
    this.db
      .prepare('INSERT INTO oidc_pending (id_hash, state, nonce, code_verifier, redirect_url, next, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(secretHash(cookieId), p.state, p.nonce, p.codeVerifier, p.redirectUrl, p.next, p.createdAt);
  }

  /** The pending sign-in of the cookie, removed as it is read (a code can be redeemed once). */
  takePending(cookieId: string): PendingSignIn | undefined {
    const hash = secretHash(cookieId);
    const r = this.db.prepare('DELETE FROM oidc_pending WHERE id_hash = ? RETURNING *').get(hash) as
      | { state: string; nonce: string; code_verifier: string; redirect_url: string; next: string; created_at: number }
      | undefined;
    return r && { state: r.state, nonce: r.nonce, codeVerifier: r.code_verifier, redirectUrl: r.redirect_url, next: r.next, createdAt: r.created_at };
  }

  /** Removes pending sign-ins started before `before` (abandoned at the provider). */
  deletePendingBefore(before: number): number {
    return this.db.prepare('DELETE FROM oidc_pending WHERE created_at < ?').run(before).changes;
  }
}
