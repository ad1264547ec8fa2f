/**
 * Rights enforcement for the whole web app in one place: `scopedServices` wraps the services the
 * routes, pages, SSE streams, exports, the OpenAI-compatible API and the MCP tools use, so each
 * call is made as the signed-in user of the request (read through ./current-user.ts by the
 * `access` lookup). No route checks rights on its own, and a new route cannot forget to:
 *   - collections and documents: ./scoped-collections.ts, ./scoped-documents.ts;
 *   - search and answers: over the collections named, each of which must be readable (404
 *     otherwise); naming none means every collection the user may read, put explicitly into the
 *     request so the answer worker never searches beyond them; none readable: nothing to search
 *     (search answers no passages, a question is refused with a message saying whom to ask);
 *   - cited passages and document text: only of readable documents;
 *   - analytics (pages, summary, answer records, quality, CSV export): admins only (403).
 * With sign-in off (no users, AUTH=off) `access` gives undefined and everything is as before.
 */
import type { CollectionRights } from '../../accounts/collection-rights.ts';
import { ForbiddenError } from '../../errors.ts';
import type { AnalyticsReader } from '../../ports/analytics-reader.ts';
import type { CollectionService } from '../../ports/collection-service.ts';
import type { WebServices } from '../services.ts';
import { noDocument, NOTHING_TO_SEARCH, requireAdmin, requireRead, type AccessLookup } from './access-checks.ts';
import { scopedCollections } from './scoped-collections.ts';
import { scopedDocuments } from './scoped-documents.ts';

/**
 * The collection ids a question or search goes over for this user: those named (each readable, else
 * the unknown-collection 404) or, when none is named, every readable one. Undefined: no restriction.
 */
export function searchScope(collections: CollectionService, access: AccessLookup, named: readonly string[] | undefined): string[] | undefined {
  const a = access();
  // An empty list names no collection: every collection (admins, sign-in off) or every readable one.
  if (!a || a.isAdmin) return named === undefined || named.length === 0 ? undefined : [...named];
  if (named !== undefined && named.length > 0) {
    for (const id of named) requireRead(a, { id }, id);
    return [...named];
  }
  return a.readable(collections.list().map((c) => c.id));
}

function adminAnalytics(inner: AnalyticsReader, access: AccessLookup): AnalyticsReader {
  const check = (): void => requireAdmin(access(), 'see analytics and export them');
  return {
    summary: (range, collection) => Promise.resolve().then(check).then(() => inner.summary(range, collection)),
    answer: (id) => Promise.resolve().then(check).then(() => inner.answer(id)),
    answers: (range, limit, collection) => Promise.resolve().then(check).then(() => inner.answers(range, limit, collection)),
    quality: (range, query, collection) => Promise.resolve().then(check).then(() => inner.quality(range, query, collection)),
    exportAnswers(range, collection) {
      check();
      return inner.exportAnswers(range, collection);
    },
  };
}

export function scopedServices(services: WebServices, rights: CollectionRights, access: AccessLookup): WebServices {
  const collections = scopedCollections(services.collections, services.documents, rights, access);
  const documents = scopedDocuments(services.documents, services.collections, access);
  const readableDocument = (id: string): void => {
    if (!documents.get(id)) throw noDocument(id);
  };
  return {
    ...services,
    access,
    collections,
    documents,
    search: {
      search(query, k, chosen) {
        const scope = searchScope(services.collections, access, chosen);
        if (scope !== undefined && scope.length === 0 && access()) return Promise.resolve([]);
        return services.search.search(query, k, scope);
      },
    },
    passages: {
      // The chat scope (private chats) passes through: a passage opens only from one's own answers.
      passage: (documentId, chunkId, scope) => Promise.resolve().then(() => readableDocument(documentId)).then(() => services.passages.passage(documentId, chunkId, scope)),
      documentText: (documentId) => Promise.resolve().then(() => readableDocument(documentId)).then(() => services.passages.documentText(documentId)),
    },
    answers: {
      async ask(input, signal) {
        const scope = searchScope(services.collections, access, input.collections);
        if (scope !== undefined && scope.length === 0 && access()) throw new ForbiddenError(NOTHING_TO_SEARCH);
        return services.answers.ask(scope === undefined ? input : { ...input, collections: scope }, signal);
      },
    },
    analytics: adminAnalytics(services.analytics, access),
  };
}
