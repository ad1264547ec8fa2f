/**
 * The collection service as the signed-in user may use it (./scoped-services.ts puts it in front
 * of every route): the list holds only collections they may read; naming one they may not read is
 * the unknown-collection 404; renaming, describing, deleting and moving a document need write
 * (./access-checks.ts). Creating is open to every user: a member's new collection gives them write
 * on it (src/accounts/collection-rights.ts). With sign-in off the access is undefined and every
 * call goes straight through.
 */
import type { CollectionRights } from '../../accounts/collection-rights.ts';
import type { CollectionService, CollectionView } from '../../ports/collection-service.ts';
import type { DocumentService } from '../../ports/document-service.ts';
import { noDocument, requireRead, requireWrite, type AccessLookup } from './access-checks.ts';

export function scopedCollections(inner: CollectionService, documents: Pick<DocumentService, 'get'>, rights: CollectionRights, access: AccessLookup): CollectionService {
  const readable = (idOrName: string): CollectionView => {
    const c = inner.get(idOrName);
    requireRead(access(), c, idOrName);
    return c;
  };
  const writable = (idOrName: string): CollectionView => {
    const c = inner.get(idOrName);
    requireWrite(access(), c, idOrName);
    return c;
  };

  return {
    list() {
      const a = access();
      return a ? inner.list().filter((c) => a.may('read', c.id)) : inner.list();
    },
    get: readable,
    resolve(idsOrNames) {
      const seen = new Map<string, CollectionView>();
      for (const n of idsOrNames) {
        const c = readable(n);
        if (!seen.has(c.id)) seen.set(c.id, c);
      }
      return [...seen.values()];
    },
    create(input) {
      const c = inner.create(input);
      const a = access();
      if (a) rights.collectionCreated(c.id, a.subject);
      return c;
    },
    update(idOrName, input) {
      writable(idOrName);
      return inner.update(idOrName, input);
    },
    async delete(idOrName) {
      const c = writable(idOrName);
      const result = await inner.delete(idOrName);
      rights.collectionDeleted(c.id);
      return result;
    },
    moveDocument(documentId, input) {
      const a = access();
      if (a) {
        const doc = documents.get(documentId);
        if (!doc || !a.mayReadDocument(doc.collections)) throw noDocument(documentId);
        writable(input.to);
        // It leaves `from`, or its only collection (several without `from`: the service says to name one).
        const leaving = input.from !== undefined ? [input.from] : (doc.collections ?? []).length === 1 ? (doc.collections ?? []) : [];
        for (const from of leaving) writable(from);
      }
      return inner.moveDocument(documentId, input);
    },
  };
}
