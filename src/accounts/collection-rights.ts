/**
 * Rights per collection, the rules over ./rights-store.ts (the rule of who may do what is
 * ./rights.ts). Defaults, chosen so a single-user install keeps working once its first user is
 * added, and written down in docs/accounts.md ("Roles and rights"):
 *   - the built-in General collection starts with everyone:write (given once per account store,
 *     so an admin may revoke it for good);
 *   - a collection a member creates gives its maker write on it; one an admin creates has no grant
 *     (admins see every collection; they decide who else does);
 *   - every other collection, those from before accounts included, is open to admins only until
 *     an admin grants it.
 * Errors a person can fix are InvalidInputError / NotFoundError saying what to do.
 */
import { GENERAL_COLLECTION_ID } from '../contracts/collection.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { AccountStore, User } from './account-store.ts';
import { CollectionAccess, EVERYONE, LEVELS, type Grant, type Level, type Subject } from './rights.ts';

export { CollectionAccess, EVERYONE, type Grant, type Level };

const DEFAULTS_KEY = 'rights.defaults.v1';
/** How the admin page and the API name the everyone grantee. */
export const EVERYONE_NAME = 'everyone';

export function checkLevel(value: unknown): Level {
  if (typeof value === 'string' && (LEVELS as readonly string[]).includes(value)) return value as Level;
  throw new InvalidInputError('The level must be "read" (ask and read) or "write" (also upload, delete, rename, re-index).');
}

export class CollectionRights {
  constructor(
    private readonly store: AccountStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Gives the first-run defaults (General: everyone:write) unless this store had them already. */
  seedDefaults(): boolean {
    return this.store.rights.seedOnce(DEFAULTS_KEY, [{ collectionId: GENERAL_COLLECTION_ID, grantee: EVERYONE, level: 'write' }], this.now());
  }

  accessFor(subject: Subject): CollectionAccess {
    return new CollectionAccess(subject, subject.role === 'admin' ? [] : this.store.rights.forUser(subject.id));
  }

  /** Every grant (the admin page). */
  list(): Grant[] {
    return this.store.rights.all();
  }

  /** `who` is a user's name or "everyone"; the grantee id stored. */
  private grantee(who: string): string {
    const w = who.trim();
    if (w.toLowerCase() === EVERYONE_NAME || w === EVERYONE) return EVERYONE;
    const found = this.store.findByName(w);
    if (!found) throw new NotFoundError(`There is no user "${w.slice(0, 80)}": name a user from the list, or "${EVERYONE_NAME}".`);
    return found.user.id;
  }

  grant(collectionId: string, who: string, level: Level): void {
    this.store.rights.grant(collectionId, this.grantee(who), level, this.now());
  }

  revoke(collectionId: string, who: string): void {
    if (!this.store.rights.revoke(collectionId, this.grantee(who))) throw new NotFoundError('There is no such right: it may have been revoked already.');
  }

  /** A member who makes a collection may write it; an admin's new collection is theirs to share. */
  collectionCreated(collectionId: string, maker: Subject): void {
    if (maker.role !== 'admin') this.store.rights.grant(collectionId, maker.id, 'write', this.now());
  }

  collectionDeleted(collectionId: string): void {
    this.store.rights.forgetCollection(collectionId);
  }

  /** The name a grantee is shown under (a removed user's rights are gone with them). */
  granteeName(grantee: string, users: readonly User[]): string {
    return grantee === EVERYONE ? EVERYONE_NAME : (users.find((u) => u.id === grantee)?.name ?? grantee);
  }
}
