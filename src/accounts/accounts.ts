/**
 * Accounts: the rules over the account store, shared by the web (sign-in, sessions, tokens) and
 * `npm run users`. Names are 1-64 letters, digits and . _ @ - (unique in any case); passwords
 * 8-1024 characters. Sessions end after `sessionIdleMs` without a request or `sessionMaxMs` after
 * sign-in, whichever comes first; removing a user or resetting their password ends their
 * sessions (a reset keeps their API tokens: revoke those on /settings). Errors a person can fix
 * are InvalidInputError / NotFoundError with a message that says what to do.
 */
import { randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { AccountStore, ApiTokenView, Role, User } from './account-store.ts';
import { CollectionRights } from './collection-rights.ts';
import { Invites } from './invites.ts';
import { LoginThrottle, type LoginThrottleSettings } from './login-throttle.ts';
import type { RateLimitStore } from '../rate-limits/rate-limit-store.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword, type ScryptParams, DEFAULT_SCRYPT } from './password-hash.ts';

export type { ApiTokenView, Role, User };

export interface AccountsOptions {
  /** Idle timeout of a signed-in session (config SESSION_IDLE_MINUTES). */
  sessionIdleMs: number;
  /** Longest a session lasts after sign-in (config SESSION_MAX_DAYS). */
  sessionMaxMs: number;
  /** The clock (tests move it). Default Date.now. */
  now?: () => number;
  /** Hash parameters for new passwords. Default N = 2^15, r = 8, p = 1. */
  scrypt?: ScryptParams;
  /** Where failed sign-ins are counted (the web's, shared through DATA_DIR). Default: in this process alone. */
  rateLimits?: RateLimitStore;
  /** How long a sign-up invite can be used (config INVITE_TTL_HOURS). Default 72 hours. */
  inviteTtlMs?: number;
  /** The sign-in throttle's allowances and locks (config SIGNIN_*). Default ./login-throttle.ts DEFAULT_LOGIN_THROTTLE. */
  signInThrottle?: LoginThrottleSettings;
}

/** `external`: the name is a single sign-on user, who has no password here. */
export type SignInResult = { ok: true; sessionId: string; user: User } | { ok: false; retryAfterSeconds?: number; external?: boolean };

const NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;
/** A last-seen time newer than this is not written again (one write a minute per session, not per request). */
const TOUCH_EVERY_MS = 60_000;
export const TOKEN_PREFIX = 'dct_';

export function checkName(name: string): string {
  const n = name.normalize('NFC').trim();
  if (!NAME.test(n)) throw new InvalidInputError(`"${name.slice(0, 80)}" is not a usable user name: use 1-64 letters, digits and . _ @ - (no spaces).`);
  return n;
}

export function checkPassword(password: string): string {
  if (password.length < 8) throw new InvalidInputError('The password is too short: use at least 8 characters.');
  if (password.length > 1024) throw new InvalidInputError('The password is too long: use at most 1024 characters.');
  return password;
}

export class Accounts {
  readonly throttle: LoginThrottle;
  /** Rights per collection (./collection-rights.ts); their first-run defaults are given here, once per store. */
  readonly rights: CollectionRights;
  /** Sign-up invites (./invites.ts). */
  readonly invites: Invites;
  /** The clock of the accounts (tests move it). */
  readonly now: () => number;
  private readonly scrypt: ScryptParams;

  constructor(
    readonly store: AccountStore,
    private readonly options: AccountsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.throttle = new LoginThrottle(this.now, options.rateLimits, options.signInThrottle);
    this.rights = new CollectionRights(store, this.now);
    this.rights.seedDefaults();
    this.invites = new Invites(store, options.inviteTtlMs ?? 72 * 3_600_000, this.now);
  }

  hasUsers(): boolean {
    return this.store.hasUsers();
  }

  /** How long a session can last at most (the sign-in cookie's lifetime). */
  get sessionMaxMs(): number {
    return this.options.sessionMaxMs;
  }

  listUsers(): User[] {
    return this.store.listUsers();
  }

  private user(name: string): User {
    const found = this.store.findByName(name);
    if (!found) throw new NotFoundError(`There is no user "${name.slice(0, 80)}". \`npm run users -- list\` shows who there is.`);
    return found.user;
  }

  async addUser(name: string, role: Role, password: string): Promise<User> {
    const clean = checkName(name);
    const user = this.store.insertUser(clean, role, await this.newPasswordHash(password), this.now());
    if (!user) throw new InvalidInputError(`The name "${clean}" is taken (names are the same in any case). Pick another.`);
    return user;
  }

  /** Removes the user with their sessions and tokens. */
  removeUser(name: string): User {
    const user = this.user(name);
    this.store.deleteUser(user.id);
    return user;
  }

  /** Makes a user an admin or a member; the last admin cannot be made a member (no one could manage users). */
  setRole(name: string, role: Role): User {
    const user = this.user(name);
    if (user.role === 'admin' && role === 'member' && this.store.countAdmins() <= 1) {
      throw new InvalidInputError(`"${user.name}" is the last admin: make another user an admin first.`);
    }
    this.store.setRole(user.id, role);
    return { ...user, role };
  }

  /** Sets a new password and ends the user's sessions. */
  async resetPassword(name: string, password: string): Promise<User> {
    const user = this.user(name);
    if (this.store.identities.isExternal(user.id)) throw new InvalidInputError(`"${user.name}" signs in through single sign-on and has no Docent password; their provider account is where a password changes.`);
    this.store.setPassword(user.id, await hashPassword(checkPassword(password), this.scrypt), this.now());
    return user;
  }

  /**
   * Checks a name and password from `address`: a new session on success; otherwise no reason
   * (a wrong name and a wrong password look alike), or the seconds to wait when throttled.
   */
  async signIn(name: string, password: string, address: string): Promise<SignInResult> {
    const account = name.normalize('NFC').trim().toLowerCase().slice(0, 200);
    const wait = this.throttle.retryAfterMs(account, address);
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.ceil(wait / 1000) };
    const found = this.store.findByName(account);
    const hash = found?.passwordHash ?? (await decoyHash());
    const matches = (await verifyPassword(password.slice(0, 1024), hash)) && found !== undefined && found.passwordHash !== null;
    if (!matches || found.user.disabled) {
      this.throttle.failed(account, address);
      // Counted as a failure too, so the answer cannot be used to list single sign-on names quickly.
      if (found !== undefined && found.passwordHash === null && this.store.identities.isExternal(found.user.id)) return { ok: false, external: true };
      return { ok: false };
    }
    this.throttle.succeeded(account, address);
    if (needsRehash(hash, this.scrypt)) this.store.rehashPassword(found.user.id, await hashPassword(password, this.scrypt));
    return { ok: true, sessionId: this.startSession(found.user.id), user: found.user };
  }

  /**
   * Signs in the user a provider vouched for (issuer, subject), creating them on their first
   * sign-in under the first free name of `names` with `role`; undefined for a disabled user.
   */
  signInExternal(issuer: string, subject: string, names: () => Iterable<string>, role: Role): { sessionId: string; user: User; created: boolean } | undefined {
    const { user, created } = this.store.identities.findOrCreate(issuer, subject, names, role, this.now());
    if (user.disabled) return undefined;
    return { sessionId: this.startSession(user.id), user, created };
  }

  /** The hash of a new password, checked against the password rules first. */
  async newPasswordHash(password: string): Promise<string> {
    return hashPassword(checkPassword(password), this.scrypt);
  }

  /** A new session for the user (its id goes into the sign-in cookie). */
  startSession(userId: string): string {
    const sessionId = randomBytes(32).toString('base64url');
    this.store.insertSession(sessionId, userId, this.now());
    return sessionId;
  }

  /** The signed-in user of a session; undefined (and the session ended) once it has expired. */
  sessionUser(sessionId: string): User | undefined {
    const s = this.store.findSession(sessionId);
    if (!s) return undefined;
    const now = this.now();
    if (s.user.disabled || now - s.lastSeenAt > this.options.sessionIdleMs || now - s.createdAt > this.options.sessionMaxMs) {
      this.store.deleteSession(sessionId);
      return undefined;
    }
    if (now - s.lastSeenAt > TOUCH_EVERY_MS) this.store.touchSession(sessionId, now);
    return s.user;
  }

  signOut(sessionId: string): void {
    this.store.deleteSession(sessionId);
  }

  /** Removes expired sessions (they are refused anyway; this keeps the table small). */
  sweepSessions(): number {
    const now = this.now();
    this.store.identities.deletePendingBefore(now - 3_600_000);
    this.store.invites.deleteEndedBefore(now - 30 * 86_400_000);
    return this.store.deleteExpiredSessions(now - this.options.sessionIdleMs, now - this.options.sessionMaxMs);
  }

  /** A new personal API token for the user: the secret is returned here once and stored hashed. */
  createToken(userId: string, label: string): { token: string; view: ApiTokenView } {
    const clean = label.trim().slice(0, 80) || 'token';
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    return { token, view: this.store.insertToken(userId, clean, token, this.now()) };
  }

  /** `createToken` for a user named `name` (the CLI). */
  createTokenFor(name: string, label: string): { token: string; user: User } {
    const user = this.user(name);
    return { token: this.createToken(user.id, label).token, user };
  }

  listTokens(userId: string): ApiTokenView[] {
    return this.store.listTokens(userId);
  }

  revokeToken(userId: string, tokenId: string): void {
    if (!this.store.deleteToken(userId, tokenId)) throw new NotFoundError('No such token: it may have been revoked already.');
  }

  /** The owner of a bearer token; undefined for an unknown, revoked or disabled one. */
  tokenUser(token: string): User | undefined {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const user = this.store.useToken(token, this.now());
    return user && !user.disabled ? user : undefined;
  }

  close(): void {
    this.store.close();
  }
}
