/**
 * The account store's SQLite tables (DATA_DIR/accounts.db). Made for the steps that follow
 * (rights per collection, private chats, single sign-on): a user has a stable internal id that
 * other stores refer to, a name people see, a role, and a password hash that may be NULL for a
 * user who signs in only through an identity provider. Sessions and API tokens are stored as
 * SHA-256 hashes of the secrets, so a copy of this file signs no one in. Deleting a user deletes
 * their sessions and tokens with them (foreign keys, ON DELETE CASCADE).
 *
 *   users       id, name, name_key (NFC, lower case: unique), role admin|member, password_hash,
 *               created_at, disabled (0/1), password_changed_at
 *   sessions    id_hash, user_id, created_at, last_seen_at
 *   api_tokens  id, user_id, label, token_hash, created_at, last_used_at
 *   collection_rights  collection_id, grantee (a user id, or '*' for everyone), level read|write,
 *               granted_at; a user's rows go when the user does (trigger: '*' is no user, so no FK)
 *   account_meta  key, value (e.g. that the first-run default rights were given)
 *   external_identities  issuer, subject (the provider's stable user id), user_id, created_at,
 *               last_sign_in_at: the single sign-on accounts linked to a user (./oidc/)
 *   oidc_pending  id_hash (of the pre-sign-in cookie), state, nonce, code_verifier, redirect_url,
 *               next, created_at: sign-ins sent to the provider and not yet back (minutes at most)
 *   invites     id, token_hash, label, created_by (a user id; NULL once they are removed),
 *               created_at, expires_at, used_at, used_by (the member it made), revoked_at:
 *               single-use sign-up links (SIGNUP=invite; ./invites.ts)
 *
 * Columns added in later releases are added in place when an older store is opened (as the chat
 * store does), never by rewriting data.
 */
import type Database from 'better-sqlite3';
import { shareableSqlite } from '../shared/sqlite-wal.ts';

export function openAccountSchema(db: Database.Database): void {
  // The web and `npm run users` may write at the same moment; wait for the other's lock briefly.
  shareableSqlite(db);
  db.pragma('foreign_keys = ON');
  db.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
      role TEXT NOT NULL CHECK (role IN ('admin', 'member')), password_hash TEXT,
      created_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, password_changed_at INTEGER);
    CREATE TABLE IF NOT EXISTS sessions (
      id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
    CREATE TABLE IF NOT EXISTS api_tokens (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      label TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, last_used_at INTEGER);
    CREATE INDEX IF NOT EXISTS api_tokens_by_user ON api_tokens (user_id);
    CREATE TABLE IF NOT EXISTS collection_rights (
      collection_id TEXT NOT NULL, grantee TEXT NOT NULL, level TEXT NOT NULL CHECK (level IN ('read', 'write')),
      granted_at INTEGER NOT NULL, PRIMARY KEY (collection_id, grantee));
    CREATE INDEX IF NOT EXISTS collection_rights_by_grantee ON collection_rights (grantee);
    CREATE TRIGGER IF NOT EXISTS collection_rights_of_removed_user AFTER DELETE ON users
      BEGIN DELETE FROM collection_rights WHERE grantee = OLD.id; END;
    CREATE TABLE IF NOT EXISTS account_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS external_identities (
      issuer TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL, last_sign_in_at INTEGER NOT NULL, PRIMARY KEY (issuer, subject));
    CREATE INDEX IF NOT EXISTS external_identities_by_user ON external_identities (user_id);
    CREATE TABLE IF NOT EXISTS oidc_pending (
      id_hash TEXT PRIMARY KEY, state TEXT NOT NULL, nonce TEXT NOT NULL, code_verifier TEXT NOT NULL,
      redirect_url TEXT NOT NULL, next TEXT NOT NULL, created_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS invites (
      id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
      created_by TEXT REFERENCES users(id) ON DELETE SET NULL, created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL, used_at INTEGER, used_by TEXT REFERENCES users(id) ON DELETE SET NULL,
      revoked_at INTEGER);`);
}
