/**
 * Who may do what on a collection: the pure rule, no storage. A right is a grant on one collection
 * to one user or to everyone (EVERYONE), at level `read` (ask over it, list and read its documents,
 * search it) or `write` (also upload into it, delete and move its documents, rename, describe,
 * re-index and delete it). Write implies read. A user's level on a collection is the higher of their
 * own grant and everyone's; admins have every right on every collection, grants or not.
 */
import type { Role } from './account-keys.ts';

export type Level = 'read' | 'write';
export const LEVELS: readonly Level[] = ['read', 'write'];

/** The grantee that stands for every user. */
export const EVERYONE = '*';

export interface Grant {
  collectionId: string;
  /** A user id, or EVERYONE. */
  grantee: string;
  level: Level;
}

export interface Subject {
  id: string;
  role: Role;
}

const rank = (l: Level | undefined): number => (l === 'write' ? 2 : l === 'read' ? 1 : 0);

/** What one user may do: built from the grants that concern them (theirs and everyone's). */
export class CollectionAccess {
  private readonly levels = new Map<string, Level>();

  constructor(
    readonly subject: Subject,
    grants: readonly Grant[],
  ) {
    for (const g of grants) {
      if (g.grantee !== EVERYONE && g.grantee !== subject.id) continue;
      if (rank(g.level) > rank(this.levels.get(g.collectionId))) this.levels.set(g.collectionId, g.level);
    }
  }

  get isAdmin(): boolean {
    return this.subject.role === 'admin';
  }

  /** The user's level on a collection; admins: write everywhere. */
  level(collectionId: string): Level | undefined {
    return this.isAdmin ? 'write' : this.levels.get(collectionId);
  }

  may(action: Level, collectionId: string): boolean {
    return rank(this.level(collectionId)) >= rank(action);
  }

  /** The ones of `collectionIds` the user may read, in their order. */
  readable(collectionIds: readonly string[]): string[] {
    return collectionIds.filter((id) => this.may('read', id));
  }

  /** A document is readable when one of its collections is. */
  mayReadDocument(documentCollections: readonly string[] | undefined): boolean {
    return this.isAdmin || (documentCollections ?? []).some((id) => this.may('read', id));
  }

  /** Changing a document (delete) touches every collection it is in: write on each is needed. */
  mayWriteDocument(documentCollections: readonly string[] | undefined): boolean {
    const ids = documentCollections ?? [];
    return this.isAdmin || (ids.length > 0 && ids.every((id) => this.may('write', id)));
  }
}

/** The access of nobody: what a request gets when sign-in is on but no user could be found (fails closed). */
export const NO_ACCESS = new CollectionAccess({ id: '', role: 'member' }, []);
