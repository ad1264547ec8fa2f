/**
 * Sign-up invites (SIGNUP=invite), the rules over ./invite-store.ts. An admin makes one on the
 * Admin page or with `npm run users -- invite`: a random secret (`dci_` + 32 bytes), shown once as
 * a link `<base>/signup?invite=<secret>` and stored hashed. It works once, until it expires
 * (INVITE_TTL_HOURS after it was made, default 72) or an admin revokes it. Its status is one of
 * unused, used, expired, revoked; ended ones leave the list 30 days later (Accounts.sweepSessions). A link that cannot be used is refused with why (InviteRefusedError:
 * 404 for an unknown secret, 410 for a used, expired or revoked one) and what to do.
 */
import { randomBytes } from 'node:crypto';
import { AppError, NotFoundError } from '../errors.ts';
import type { AccountStore } from './account-store.ts';
import type { InviteRow } from './invite-store.ts';

export type { InviteRow };
export type InviteStatus = 'unused' | 'used' | 'expired' | 'revoked';
export type InviteView = InviteRow & { status: InviteStatus };

export const INVITE_PREFIX = 'dci_';

/** An invite link that cannot be used; `status` is the HTTP status to answer with. */
export class InviteRefusedError extends AppError {
  override name = 'InviteRefusedError';
  constructor(
    message: string,
    readonly status: 404 | 410,
  ) {
    super(message, { code: 'invite_refused' });
  }
}

export function inviteStatus(i: InviteRow, now: number): InviteStatus {
  if (i.usedAt !== null) return 'used';
  if (i.revokedAt !== null) return 'revoked';
  return now >= i.expiresAt ? 'expired' : 'unused';
}

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** The link of an invite secret under the service's base URL. */
export const inviteLink = (baseUrl: string, token: string): string => `${baseUrl.replace(/\/$/, '')}/signup?invite=${encodeURIComponent(token)}`;

export class Invites {
  constructor(
    private readonly store: AccountStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new invite; its secret is returned this once. `createdBy`: the admin's user id (null: the CLI). */
  create(label: string, createdBy: string | null): { token: string; invite: InviteView } {
    const token = INVITE_PREFIX + randomBytes(32).toString('base64url');
    const now = this.now();
    const row = this.store.invites.insert(token, label.trim().slice(0, 120), createdBy, now, now + this.ttlMs);
    return { token, invite: { ...row, status: 'unused' } };
  }

  list(): InviteView[] {
    const now = this.now();
    return this.store.invites.list().map((i) => ({ ...i, status: inviteStatus(i, now) }));
  }

  revoke(id: string): InviteView {
    if (!this.store.invites.revoke(id, this.now())) {
      const i = this.store.invites.get(id);
      if (!i) throw new NotFoundError('There is no such invite: it may have been removed from the list.');
      throw new InviteRefusedError(`That invite is ${inviteStatus(i, this.now())} already: there is nothing to revoke.`, 410);
    }
    return { ...this.store.invites.get(id)!, status: 'revoked' };
  }

  /** Throws InviteRefusedError unless `invite` (as found for a secret) can be used now. */
  check(invite: InviteRow | undefined): asserts invite is InviteRow {
    const ask = 'Ask an admin for a new invite link.';
    if (!invite) throw new InviteRefusedError(`This invite link is not valid: it may be mistyped or cut short. Open the whole link you were sent, or ${ask.toLowerCase()}`, 404);
    switch (inviteStatus(invite, this.now())) {
      case 'used':
        throw new InviteRefusedError(`This invite link has been used already: each link makes one account. If it was yours, sign in. Otherwise ${ask.toLowerCase()}`, 410);
      case 'revoked':
        throw new InviteRefusedError(`This invite link was revoked by an admin. ${ask}`, 410);
      case 'expired':
        throw new InviteRefusedError(`This invite link expired on ${when(invite.expiresAt)}. ${ask}`, 410);
      case 'unused':
        return;
    }
  }

  /** The invite of a secret if it can be used now; InviteRefusedError otherwise. */
  usable(token: string): InviteRow {
    const invite = token.startsWith(INVITE_PREFIX) && token.length <= 200 ? this.store.invites.findByToken(token) : undefined;
    this.check(invite);
    return invite;
  }
}
