/**
 * The query of a document list page, shared by GET /api/documents, the Documents page and its
 * fragments: `limit` (1..DOCUMENT_PAGE_MAX, default DOCUMENT_PAGE_DEFAULT), `cursor` (the previous
 * page's `next`), `q` (part of the name, case ignored), `status`, `collection` (id or name; an
 * unknown one is a 404 naming it, from the collection service), `sort` and `order`. Bad values are
 * 400s naming the field and what is allowed. `toSearch` writes a query back as URL parameters
 * (defaults left out), for the page's links and its "Load more".
 */
import { DOCUMENT_STATUSES, type DocumentStatus } from '../contracts/ingest.ts';
import type { CollectionService } from '../ports/collection-service.ts';
import {
  DOCUMENT_PAGE_DEFAULT,
  DOCUMENT_PAGE_MAX,
  DOCUMENT_SORT_DEFAULT_ORDER,
  DOCUMENT_SORTS,
  type DocumentPageQuery,
  type DocumentSort,
} from '../ports/document-service.ts';
import { badRequest } from './http-error.ts';
import { parsePageCursor, parsePageLimit } from './validate.ts';

/** Statuses a list can be filtered by (`deleted` is only ever an event). */
export const LISTED_STATUSES = DOCUMENT_STATUSES.filter((s) => s !== 'deleted');
const MAX_Q_CHARS = 200;

function one(query: Record<string, unknown>, field: string): string | undefined {
  const v = query[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw badRequest(`Give "${field}" once, as text.`, field);
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function parseDocumentQuery(query: Record<string, unknown>, collections: CollectionService): DocumentPageQuery {
  const limit = parsePageLimit(query.limit, DOCUMENT_PAGE_MAX) ?? DOCUMENT_PAGE_DEFAULT;
  const cursor = parsePageCursor(query.cursor, 'cursor');
  const q = one(query, 'q');
  if (q !== undefined && q.length > MAX_Q_CHARS) throw badRequest(`q is too long: ${q.length} characters, the limit is ${MAX_Q_CHARS}.`, 'q');
  const status = one(query, 'status');
  if (status !== undefined && !(LISTED_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`status must be one of ${LISTED_STATUSES.join(', ')}.`, 'status');
  }
  const collection = one(query, 'collection');
  const sort = one(query, 'sort') ?? 'added';
  if (!(DOCUMENT_SORTS as readonly string[]).includes(sort)) throw badRequest(`sort must be one of ${DOCUMENT_SORTS.join(', ')}.`, 'sort');
  const order = one(query, 'order') ?? DOCUMENT_SORT_DEFAULT_ORDER[sort as DocumentSort];
  if (order !== 'asc' && order !== 'desc') throw badRequest('order must be asc or desc.', 'order');
  return {
    limit,
    cursor,
    q,
    status: status as DocumentStatus | undefined,
    collectionId: collection === undefined ? undefined : collections.get(collection).id,
    sort: sort as DocumentSort,
    order: order,
  };
}

/** URL parameters of a query's filters and sort (no limit, no cursor; defaults left out). */
export function toSearch(q: DocumentPageQuery, over: Partial<Pick<DocumentPageQuery, 'sort' | 'order'>> = {}): URLSearchParams {
  const sort = over.sort ?? q.sort;
  const order = over.order ?? (over.sort ? DOCUMENT_SORT_DEFAULT_ORDER[over.sort] : q.order);
  const p = new URLSearchParams();
  if (q.q !== undefined) p.set('q', q.q);
  if (q.status !== undefined) p.set('status', q.status);
  if (q.collectionId !== undefined) p.set('collection', q.collectionId);
  if (sort !== 'added') p.set('sort', sort);
  if (order !== DOCUMENT_SORT_DEFAULT_ORDER[sort]) p.set('order', order);
  return p;
}
