/**
 * Self sign-up (config SIGNUP): `off` (the default: only admins add users), `invite` (a single-use
 * link from an admin, ./invites.ts) or `open` (anyone who can reach the sign-in page). A new
 * account is always a member, with the rights "everyone" has and nothing more, and is signed in
 * at once. The same name and password rules as everywhere (./accounts.ts); a taken name is
 * refused without using the invite up.
 *
 * Attempts are throttled per address by the sign-in throttle (./login-throttle.ts) under a key of
 * their own: every refused attempt counts, and in `open` mode every account made counts too, so
 * one address makes at most 5 accounts before it waits 30 s (doubling up to 15 minutes). An
 * invite's own use does not count (the admin's link is the limit). Failed sign-ins from the same
 * address share the throttle's per-address allowance.
 */
import { InvalidInputError } from '../errors.ts';
import type { Accounts, User } from './accounts.ts';
import { checkName } from './accounts.ts';

export type SignUpMode = 'off' | 'invite' | 'open';

export interface SignUpInput {
  name: string;
  password: string;
  /** The password typed again (a typo would lock the person out of the new account). */
  repeat: string;
  /** The invite secret (SIGNUP=invite). */
  invite?: string | undefined;
}

export type SignUpResult = { ok: true; sessionId: string; user: User } | { ok: false; retryAfterSeconds: number };

/** The throttle's account key for sign-up attempts from `address` (never a user's name: it holds NUL). */
const throttleKey = (address: string): string => `\u0000sign-up\u0000${address}`;

export class SignUps {
  constructor(
    private readonly accounts: Accounts,
    readonly mode: SignUpMode,
  ) {}

  /** Whether the sign-up page exists: a mode other than off, and an admin already (the first user is an admin, made by `npm run users`). */
  get enabled(): boolean {
    return this.mode !== 'off' && this.accounts.hasUsers();
  }

  /**
   * Makes a member and signs them in, or throws InvalidInputError / InviteRefusedError with what
   * to do; `{ ok: false }` with the seconds to wait when `address` is throttled.
   */
  async signUp(input: SignUpInput, address: string): Promise<SignUpResult> {
    const key = throttleKey(address);
    const { throttle } = this.accounts;
    const wait = throttle.retryAfterMs(key, address);
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.ceil(wait / 1000) };
    let user: User;
    try {
      const name = checkName(input.name);
      if (input.repeat !== input.password) throw new InvalidInputError('The two passwords differ: type the same password in both fields.');
      if (this.mode === 'invite') this.accounts.invites.usable(input.invite ?? '');
      const hash = await this.accounts.newPasswordHash(input.password);
      user = this.mode === 'invite' ? this.withInvite(input.invite ?? '', name, hash) : this.insert(name, hash);
    } catch (err) {
      throttle.failed(key, address);
      throw err;
    }
    if (this.mode === 'open') throttle.failed(key, address);
    return { ok: true, sessionId: this.accounts.startSession(user.id), user };
  }

  private insert(name: string, hash: string): User {
    const user = this.accounts.store.insertUser(name, 'member', hash, this.accounts.now());
    if (!user) throw new InvalidInputError(`The name "${name}" is taken (names are the same in any case). Pick another.`);
    return user;
  }

  /** The invite checked again, the member made and the invite used up, in one transaction. */
  private withInvite(token: string, name: string, hash: string): User {
    const { invites } = this.accounts;
    return this.accounts.store.invites.use(token, this.accounts.now(), (found) => invites.check(found), () => this.insert(name, hash));
  }
}
