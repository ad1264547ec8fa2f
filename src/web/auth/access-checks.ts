/**
 * The rights checks the web makes, in one place: the scoped services (./scoped-services.ts) and the
 * few routes that check before a body is read call these. `AccessLookup` gives the rights of the
 * request being handled: undefined when sign-in is off (every right, as before accounts).
 *
 * A collection or document the user may not read is answered exactly as one that does not exist
 * (404, the same message), so its existence is not revealed; one they may read but not change is
 * a 403 saying whom to ask.
 */
import type { CollectionAccess } from '../../accounts/rights.ts';
import { ForbiddenError, NotFoundError } from '../../errors.ts';

export type AccessLookup = () => CollectionAccess | undefined;

/** The collection service's own message for an unknown collection (src/documents/collection-service.ts). */
export const noCollection = (idOrName: string): NotFoundError => new NotFoundError(`No collection "${idOrName}". List them with GET /api/collections.`);
export const noDocument = (id: string): NotFoundError => new NotFoundError(`No document with id "${id}". List them with GET /api/documents.`);

/** Throws the unknown-collection 404 (named as the caller named it) unless the user may read it. */
export function requireRead(access: CollectionAccess | undefined, collection: { id: string }, asNamed: string): void {
  if (access && !access.may('read', collection.id)) throw noCollection(asNamed);
}

/** 404 as requireRead, then 403 unless the user may write it. */
export function requireWrite(access: CollectionAccess | undefined, collection: { id: string; name: string }, asNamed: string = collection.id): void {
  requireRead(access, collection, asNamed);
  if (access && !access.may('write', collection.id)) {
    throw new ForbiddenError(`You may read the collection "${collection.name}" but not change it (upload, delete, move, rename, re-index). Ask an admin for write access.`);
  }
}

export function requireAdmin(access: CollectionAccess | undefined, what: string): void {
  if (access && !access.isAdmin) throw new ForbiddenError(`Only admins can ${what}.`);
}

/** The answer to a question when the user may read no collection: there is nothing to search. */
export const NOTHING_TO_SEARCH = 'There is nothing to search: no collection is open to you yet. Ask an admin to give you read access to a collection.';
