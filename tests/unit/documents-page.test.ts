/**
 * Pages of the document registry (SQL keyset, src/documents/document-pages.ts): every sort and
 * order visits each document exactly once in the documented order; the cursor stays right while
 * documents are added and deleted between pages; filters (name search ignoring case, status,
 * collection) and their total; cursors of another sort, of another list or garbage are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INGEST_CONTRACT_VERSION, type DocumentStatus } from '../../src/contracts/ingest.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { DOCUMENT_SORT_DEFAULT_ORDER, DOCUMENT_SORTS, type DocumentPageQuery, type DocumentView } from '../../src/ports/document-service.ts';
import { encodeCursor } from '../../src/shared/keyset-cursor.ts';

const T0 = Date.UTC(2026, 0, 1);
const STATUSES: DocumentStatus[] = ['queued', 'processing', 'ready', 'failed'];

/** n documents with repeating names, sizes and times (ties on every sort key), some in collection `c`. */
function library(n: number): { registry: DocumentRegistry; collectionId: string } {
  const registry = new DocumentRegistry(':memory:');
  const c = registry.collections.create({ name: 'Reports', description: '' });
  for (let i = 0; i < n; i++) {
    const id = `doc-${String(i).padStart(4, '0')}`;
    const name = `${['Alpha', 'beta', 'Gamma', 'ÉTÉ', 'delta'][i % 5]} ${i % 7}.pdf`;
    registry.queue({ id, name, mediaType: 'application/pdf', size: 1000 * (i % 9) }, T0 + 1000 * (i % 11));
    registry.collections.add(id, i % 3 === 0 ? c.id : 'general');
    const status = STATUSES[i % 4]!;
    if (status !== 'queued') registry.apply({ v: INGEST_CONTRACT_VERSION, documentId: id, name, status, stage: status, progress: 1, pages: 1, chunks: 1, error: null, at: T0 + 1000 * (i % 11) });
  }
  return { registry, collectionId: c.id };
}

const query = (over: Partial<DocumentPageQuery> = {}): DocumentPageQuery => ({ limit: 7, sort: 'added', order: 'desc', ...over });

/** Every page from the first, following `next`; `between` runs after each page. */
function walk(registry: DocumentRegistry, q: DocumentPageQuery, between: (page: number) => void = () => {}): DocumentView[] {
  const seen: DocumentView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const p = registry.page({ ...q, cursor });
    seen.push(...p.documents);
    if (!p.next) return seen;
    cursor = p.next;
    between(page);
  }
  throw new Error('no last page');
}

/** The documented order, computed in JavaScript from the full list. */
function expected(docs: DocumentView[], sort: DocumentPageQuery['sort'], order: 'asc' | 'desc'): string[] {
  const nocase = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase()); // SQLite NOCASE folds ASCII only
  const key = (d: DocumentView): Array<string | number> =>
    sort === 'name' ? [nocase(d.name)] : sort === 'status' ? [d.status, nocase(d.name)] : sort === 'size' ? [d.size] : [d.createdAt];
  const cmp = (a: DocumentView, b: DocumentView): number => {
    const [ka, kb] = [[...key(a), a.id], [...key(b), b.id]];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i]! < kb[i]! ? -1 : 1) * (order === 'asc' ? 1 : -1);
    return 0;
  };
  return [...docs].sort(cmp).map((d) => d.id);
}

test('every sort and order visits each document once, in order, across pages', () => {
  const { registry } = library(100);
  const all = registry.list();
  for (const sort of DOCUMENT_SORTS) {
    for (const order of ['asc', 'desc'] as const) {
      const ids = walk(registry, query({ sort, order })).map((d) => d.id);
      assert.deepEqual(ids, expected(all, sort, order), `${sort} ${order}`);
    }
  }
  assert.deepEqual(DOCUMENT_SORT_DEFAULT_ORDER, { added: 'desc', name: 'asc', status: 'asc', size: 'desc' });
  const first = registry.page(query({ limit: 10 }));
  assert.equal(first.documents.length, 10);
  assert.equal(first.total, 100);
  assert.equal(registry.page(query({ limit: 100 })).next, null, 'an exact last page has no next');
  registry.close();
});

test('the cursor is stable while documents are added and deleted between pages', () => {
  for (const sort of DOCUMENT_SORTS) {
    const { registry } = library(60);
    const before = registry.list().map((d) => d.id);
    const shown: string[] = [];
    const deletedUnseen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      const p = registry.page(query({ sort, order: DOCUMENT_SORT_DEFAULT_ORDER[sort], limit: 5, cursor }));
      shown.push(...p.documents.map((d) => d.id));
      if (!p.next) break;
      cursor = p.next;
      // Between pages: a newcomer in front of the cursor (newest, first by name, largest) and one
      // behind it; one document already shown and one not yet shown are deleted.
      registry.queue({ id: `new-a-${page}`, name: `aaa ${page}.pdf`, mediaType: 'text/plain', size: 10_000_000 }, T0 + 10_000_000);
      registry.queue({ id: `new-z-${page}`, name: `zzz ${page}.pdf`, mediaType: 'text/plain', size: 1 }, T0 - 10_000_000);
      const unseen = registry.list().filter((d) => before.includes(d.id) && !shown.includes(d.id));
      const victim = unseen[unseen.length >> 1];
      if (victim) {
        registry.remove(victim.id);
        deletedUnseen.add(victim.id);
      }
      registry.remove(shown[page]!);
    }
    assert.equal(shown.length, new Set(shown).size, `${sort}: no document twice`);
    for (const id of before) {
      if (deletedUnseen.has(id)) assert.ok(!shown.includes(id), `${sort}: ${id} was deleted before its page`);
      else assert.ok(shown.includes(id), `${sort}: ${id} was there until its page and must be listed`);
    }
    assert.ok(deletedUnseen.size > 3);
    registry.close();
  }
});

test('filters: name search ignores case (non-ASCII too), status, collection; total counts the matches', () => {
  const { registry, collectionId } = library(100);
  const all = registry.list();
  const beta = walk(registry, query({ q: 'BETA' }));
  assert.deepEqual(beta.map((d) => d.id).sort(), all.filter((d) => d.name.toLowerCase().includes('beta')).map((d) => d.id).sort());
  assert.equal(beta.length, 20);
  assert.equal(registry.page(query({ q: 'été' })).total, 20, 'É matches é');
  assert.equal(registry.page(query({ q: '%' })).total, 0, 'LIKE wildcards are plain text');
  const failed = walk(registry, query({ status: 'failed' }));
  assert.ok(failed.length === 25 && failed.every((d) => d.status === 'failed'));
  const inC = walk(registry, query({ collectionId, sort: 'name', order: 'asc' }));
  assert.deepEqual(inC.map((d) => d.id).sort(), registry.collections.members(collectionId).sort());
  const both = registry.page(query({ collectionId, status: 'ready', q: 'gamma', limit: 500 }));
  assert.ok(both.documents.length > 0);
  assert.equal(both.total, both.documents.length);
  assert.ok(both.documents.every((d) => d.status === 'ready' && /gamma/i.test(d.name) && registry.collections.of(d.id).includes(collectionId)));
  registry.close();
});

test('a cursor of another sort or order, of another list, or garbage is refused with a message', () => {
  const { registry } = library(20);
  const next = registry.page(query({ sort: 'name', order: 'asc', limit: 5 })).next!;
  const refused = (q: DocumentPageQuery) =>
    assert.throws(() => registry.page(q), (e: unknown) => e instanceof InvalidInputError && /cursor must be the "next" of a previous page sorted by/.test(e.message));
  refused(query({ sort: 'name', order: 'desc', cursor: next }));
  refused(query({ sort: 'added', order: 'asc', cursor: next }));
  refused(query({ cursor: encodeCursor([T0, 'doc-0001']) })); // a chat list cursor
  refused(query({ cursor: 'garbage' }));
  refused(query({ sort: 'size', cursor: encodeCursor(['size', 'desc', 'big', 'doc-1']) })); // wrong type of key
  assert.equal(registry.page(query({ sort: 'name', order: 'asc', limit: 5, cursor: next })).documents.length, 5);
  registry.close();
});

test('inCollections (the collections a user may read): only documents in one of them, paged and counted exactly', () => {
  const { registry, collectionId } = library(60);
  const mine = walk(registry, query({ inCollections: [collectionId], sort: 'name', order: 'asc' }));
  assert.deepEqual(mine.map((d) => d.id).sort(), registry.collections.members(collectionId).sort());
  assert.equal(registry.page(query({ inCollections: [collectionId] })).total, 20);
  assert.equal(registry.page(query({ inCollections: [collectionId, 'general'] })).total, 60);
  assert.equal(registry.page(query({ inCollections: [] })).total, 0, 'none readable: nothing listed');
  assert.equal(registry.page(query({ inCollections: [collectionId], collectionId: 'general' })).total, 0);
  registry.close();
});
