/**
 * What an analytics read is restricted to, as one string (the stores and readers take it where they
 * took a collection id): a collection id (answers asked over it or citing it), or `user:<id>` (the
 * answers one user asked, by internal id, and the votes on them). Collection ids cannot hold a
 * colon (./collection.ts), so the two never meet. On the analytics HTTP API they are two
 * parameters, `collection=<id>` and `user=<id>`, one at a time.
 */
const USER_PREFIX = 'user:';

export const userScope = (userId: string): string => USER_PREFIX + userId;

/** The user id of a user scope; undefined for a collection scope or none. */
export const userOfScope = (scope: string | undefined): string | undefined => (scope?.startsWith(USER_PREFIX) ? scope.slice(USER_PREFIX.length) : undefined);

/** The collection id of a collection scope; undefined for a user scope or none. */
export const collectionOfScope = (scope: string | undefined): string | undefined => (scope === undefined || scope.startsWith(USER_PREFIX) ? undefined : scope);
