/**
 * The document service as the signed-in user may use it (see ./scoped-services.ts): lists, pages,
 * single documents and live events show only documents in a collection they may read (others are
 * unknown: undefined, hence 404); uploading needs write on the target collection (General when
 * none is named); deleting needs write on every collection the document is in (it leaves all of
 * them); re-indexing one collection needs write on it, re-indexing everything is for admins.
 */
import { GENERAL_COLLECTION_ID } from '../../contracts/collection.ts';
import type { CollectionService } from '../../ports/collection-service.ts';
import type { DocumentService, DocumentView } from '../../ports/document-service.ts';
import { ForbiddenError } from '../../errors.ts';
import { requireAdmin, requireWrite, type AccessLookup } from './access-checks.ts';

export function scopedDocuments(inner: DocumentService, collections: CollectionService, access: AccessLookup): DocumentService {
  const visible = (doc: DocumentView | undefined): DocumentView | undefined => {
    const a = access();
    return doc && (!a || a.mayReadDocument(doc.collections)) ? doc : undefined;
  };
  const scoped: DocumentService = {
    upload(files, opts) {
      const id = opts?.collectionId ?? GENERAL_COLLECTION_ID;
      requireWrite(access(), collections.get(id), id);
      return inner.upload(files, opts);
    },
    list() {
      const a = access();
      return a ? inner.list().filter((d) => a.mayReadDocument(d.collections)) : inner.list();
    },
    page(query) {
      const a = access();
      if (!a || a.isAdmin) return inner.page(query);
      return inner.page({ ...query, inCollections: a.readable(collections.list().map((c) => c.id)) });
    },
    get: (id) => visible(inner.get(id)),
    async delete(id) {
      const a = access();
      const doc = visible(inner.get(id));
      if (!doc) return undefined;
      if (a && !a.mayWriteDocument(doc.collections)) {
        throw new ForbiddenError(`You may read "${doc.name}" but not delete it: that needs write access to every collection it is in. Ask an admin.`);
      }
      return inner.delete(id);
    },
    onChange(listener) {
      const a = access(); // the subscriber's rights, fixed when the stream opens
      if (!a || a.isAdmin) return inner.onChange(listener);
      // A `deleted` event no longer has collections: it is passed on for documents this stream showed.
      const shown = new Set<string>();
      return inner.onChange((doc) => {
        if (doc.status === 'deleted') {
          if (shown.delete(doc.id)) listener(doc);
          return;
        }
        const current = inner.get(doc.id);
        if (current && a.mayReadDocument(current.collections)) {
          shown.add(doc.id);
          listener(doc);
        } else shown.delete(doc.id);
      });
    },
  };
  if (inner.assertAccepting) scoped.assertAccepting = () => inner.assertAccepting!();
  if (inner.reindex) {
    const reindex = inner.reindex.bind(inner);
    scoped.reindex = (opts) => {
      if (opts?.collectionId === undefined) requireAdmin(access(), 're-index every collection at once; re-index your collections one by one');
      else requireWrite(access(), collections.get(opts.collectionId), opts.collectionId);
      return reindex(opts);
    };
  }
  return scoped;
}
