/**
 * The document list at scale, over HTTP, with the real document and collection services over an
 * in-memory registry of 3,000 documents: GET /api/documents pages (limit, cursor, filters, sort,
 * bad parameters), the Documents page and its fragments render one page only (bytes bounded), the
 * event stream's snapshot covers only the ids asked for, and the bulk delete / move endpoints
 * report each id on its own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { INGEST_CONTRACT_VERSION } from '../../src/contracts/ingest.ts';
import { createCollectionService } from '../../src/documents/collection-service.ts';
import { createDocumentService, type DocumentServiceHandle } from '../../src/documents/document-service.ts';
import type { DocumentView } from '../../src/ports/document-service.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { sseEvents } from '../support/sse.ts';

const N = 3000;
const T0 = Date.UTC(2026, 0, 1);
const idOf = (i: number) => createHash('sha256').update(`doc ${i}`).digest('hex');

let srv: TestServer;
let documents: DocumentServiceHandle;
let archiveId: string;
const cleanup: Array<() => unknown> = [];

before(async () => {
  const logger = pino({ level: 'silent' });
  const services = new FakeServices();
  const bus = createMemoryMessageBus({ logger });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-doclist-'));
  documents = await createDocumentService({ bus, registry: services.registry, uploadsDir: path.join(dir, 'uploads'), logger });
  // The real service (its reindex is optional: the fake's is not; this page never calls it).
  services.documents = documents as unknown as FakeServices['documents'];
  services.collections = createCollectionService({ registry: services.registry, documents, bus, logger });
  const archive = services.collections.create({ name: 'Archive' });
  archiveId = archive.id;
  const { registry } = services;
  for (let i = 0; i < N; i++) {
    const id = idOf(i);
    const name = `${i % 10 === 0 ? 'Minutes' : 'Quarterly report'} ${String(i).padStart(4, '0')}${i === 7 ? ' <script>x</script>' : ''}.pdf`;
    registry.queue({ id, name, mediaType: 'application/pdf', size: 10_000 + i }, T0 + i * 1000);
    registry.collections.add(id, i % 4 === 0 ? archive.id : 'general');
    if (i % 5 === 0) registry.apply({ v: INGEST_CONTRACT_VERSION, documentId: id, name, status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: 'no text', at: T0 + i * 1000 });
  }
  srv = await startTestServer({}, services);
  cleanup.push(() => srv.close(), () => documents.close(), () => bus.close(), () => fs.rm(dir, { recursive: true, force: true }));
});
after(async () => {
  for (const c of cleanup) await c();
});

interface Page {
  documents: DocumentView[];
  next: string | null;
  total: number;
}
async function api(query: string): Promise<Page> {
  const res = await fetch(`${srv.url}/api/documents${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Page;
}
async function refused(query: string, status: number, message: RegExp): Promise<void> {
  const res = await fetch(`${srv.url}/api/documents${query}`);
  const body = (await res.json()) as { error: string };
  assert.equal(res.status, status, `${query}: ${body.error}`);
  assert.match(body.error, message, query);
}
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(srv.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

void describe('GET /api/documents', () => {
  void test('a page of 50, newest first, with the total and a next cursor; following next lists every document once', async () => {
    const first = await api('');
    assert.equal(first.documents.length, 50);
    assert.equal(first.total, N);
    assert.deepEqual(first.documents.slice(0, 2).map((d) => d.id), [idOf(N - 1), idOf(N - 2)]);
    assert.deepEqual(first.documents[0]!.collections, ['general']);
    const seen = new Set(first.documents.map((d) => d.id));
    let next = first.next;
    while (next) {
      const p = await api(`?limit=500&cursor=${encodeURIComponent(next)}`);
      for (const d of p.documents) seen.add(d.id);
      next = p.next;
    }
    assert.equal(seen.size, N);
  });

  void test('the next page starts after the last one shown, though documents were added and deleted meanwhile', async () => {
    const { registry } = srv.services;
    const first = await api('?limit=20&sort=name');
    registry.queue({ id: 'aaa-newcomer', name: 'Aardvark.pdf', mediaType: 'text/plain', size: 1 }, T0 + N * 1000 + 1);
    registry.remove(first.documents[0]!.id); // shown already
    const secondBefore = (await api(`?limit=5&sort=name&cursor=${encodeURIComponent(first.next!)}`)).documents;
    registry.remove(secondBefore[0]!.id); // the next one, not shown yet
    const second = await api(`?limit=20&sort=name&cursor=${encodeURIComponent(first.next!)}`);
    const all = (await api(`?limit=500&sort=name`)).documents.map((d) => d.id);
    assert.ok(all.includes('aaa-newcomer'));
    const after = all.slice(all.indexOf(first.documents.at(-1)!.id) + 1, all.indexOf(first.documents.at(-1)!.id) + 21);
    assert.deepEqual(second.documents.map((d) => d.id), after);
    assert.ok(!second.documents.some((d) => first.documents.some((f) => f.id === d.id)));
    assert.equal(second.documents[0]!.id, secondBefore[1]!.id);
    registry.remove('aaa-newcomer');
    for (const d of [first.documents[0]!, secondBefore[0]!]) {
      registry.queue({ id: d.id, name: d.name, mediaType: d.mediaType, size: d.size }, d.createdAt);
      if (d.status !== 'queued') registry.apply({ v: INGEST_CONTRACT_VERSION, documentId: d.id, name: d.name, status: d.status, stage: d.stage, progress: 1, pages: null, chunks: null, error: d.error, at: d.updatedAt });
      for (const c of d.collections ?? []) registry.collections.add(d.id, c);
    }
  });

  void test('filters: q ignores case, status, collection by id or name; sort and order', async () => {
    const minutes = await api('?q=MINUTES&limit=500');
    assert.equal(minutes.total, N / 10);
    assert.ok(minutes.documents.every((d) => d.name.startsWith('Minutes')));
    const failed = await api('?status=failed&limit=500');
    assert.equal(failed.total, N / 5);
    assert.ok(failed.documents.every((d) => d.status === 'failed'));
    const archived = await api('?collection=archive&q=minutes&status=failed');
    assert.equal(archived.total, N / 20);
    assert.ok(archived.documents.every((d) => d.collections?.includes(archiveId)));
    assert.equal((await api(`?collection=${archiveId}`)).total, N / 4);
    const byName = await api('?sort=name&order=desc&limit=3');
    assert.deepEqual(byName.documents.map((d) => d.name), ['Quarterly report 2999.pdf', 'Quarterly report 2998.pdf', 'Quarterly report 2997.pdf']);
    const smallest = await api('?sort=size&order=asc&limit=1');
    assert.equal(smallest.documents[0]!.size, 10_000);
    const byStatus = await api('?sort=status&limit=1');
    assert.equal(byStatus.documents[0]!.status, 'failed');
  });

  void test('bad parameters are 400s naming the field and what is allowed; an unknown collection is a 404 naming it', async () => {
    for (const limit of ['0', '501', 'x', '2.5']) await refused(`?limit=${limit}`, 400, /limit must be a whole number between 1 and 500/);
    await refused('?status=done', 400, /status must be one of queued, processing, ready, failed, deleting\./);
    await refused('?sort=date', 400, /sort must be one of added, name, status, size\./);
    await refused('?order=up', 400, /order must be asc or desc/);
    await refused('?cursor=garbage', 400, /cursor must be the "next" of a previous page sorted by added desc/);
    const byName = await api('?sort=name&limit=1');
    await refused(`?sort=size&cursor=${encodeURIComponent(byName.next!)}`, 400, /start again without a cursor/);
    await refused('?q=a&q=b', 400, /Give "q" once/);
    await refused('?collection=Nowhere', 404, /No collection "Nowhere"/);
  });
});

void describe('Documents page', () => {
  void test(`renders one page of a ${N}-document library: 50 rows, under 100 KB, with Load more`, async () => {
    const res = await fetch(`${srv.url}/documents`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const bytes = Buffer.byteLength(text);
    assert.ok(bytes < 100_000, `the page is ${bytes} bytes`);
    assert.equal(text.match(/<tr data-id=/g)?.length, 50);
    assert.match(text, /Showing <span id="shown-count">50<\/span> of 3000 documents/);
    assert.match(text, /<input type="search" name="q"/);
    assert.match(text, /<select name="status" aria-label="Status"><option value="">Any status<\/option><option value="queued">/);
    assert.match(text, new RegExp(`<option value="${archiveId}">Archive</option>`));
    assert.match(text, /id="select-all"/);
    assert.match(text, /<input type="checkbox" class="row-select" value="[0-9a-f]{64}" aria-label="Select /);
    assert.match(text, /aria-sort="descending"><a class="sort-link" href="\/documents\?order=asc"/);
    const more = /<a id="more-documents"[^>]* href="\/documents\?cursor=([^"]+)" data-next="([^"]+)">Load more<\/a>/.exec(text);
    assert.ok(more, 'a Load more link');
    // The next page's rows, as Load more fetches them: disjoint from the first, with the cursor after them.
    const rows = await fetch(`${srv.url}/documents/rows?cursor=${more[2]!}`);
    const rowsText = await rows.text();
    assert.equal(rowsText.match(/<tr data-id=/g)?.length, 50);
    assert.ok(rows.headers.get('docent-next'));
    const firstIds = new Set([...text.matchAll(/<tr data-id="([^"]+)"/g)].map((m) => m[1]));
    assert.ok([...rowsText.matchAll(/<tr data-id="([^"]+)"/g)].every((m) => !firstIds.has(m[1])));
  });

  void test('the list fragment follows the query: filters, sort links that keep the filters, the sort bound to the filter form, names escaped', async () => {
    const res = await fetch(`${srv.url}/documents/list?q=0007&sort=name&order=asc`);
    const text = await res.text();
    assert.equal(text.match(/<tr data-id=/g)?.length, 1);
    assert.ok(text.includes('Quarterly report 0007 &lt;script&gt;x&lt;/script&gt;.pdf'));
    assert.ok(!text.includes('<script>x'));
    assert.match(text, /<input type="hidden" name="sort" value="name" form="document-filters"><input type="hidden" name="order" value="asc" form="document-filters">/);
    assert.match(text, /hx-get="\/documents\/list\?q=0007&amp;sort=name&amp;order=desc"/, 'the active header sorts the other way');
    assert.match(text, /data-newest-first="false"/);
    assert.match(text, /hx-trigger="documents-changed from:body"/);
    assert.doesNotMatch(text, /more-documents/);
    const none = await (await fetch(`${srv.url}/documents/list?q=nothing-like-this`)).text();
    assert.match(none, /No documents match these filters/);
    const bad = await fetch(`${srv.url}/documents/list?status=bogus`, { headers: { 'HX-Request': 'true' } });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /alert-error.*status must be one of/);
  });

  void test('one row at a time (a new upload or a finished ingest shown live); 404 when gone', async () => {
    const row = await fetch(`${srv.url}/documents/${idOf(5)}/row`);
    assert.equal(row.status, 200);
    assert.match(await row.text(), new RegExp(`^<tr data-id="${idOf(5)}" data-status="failed">`));
    assert.equal((await fetch(`${srv.url}/documents/nope/row`)).status, 404);
  });

  void test('the event stream snapshot holds only the ids asked for (none without ids), at most 100', async () => {
    const snapshot = async (query: string) => {
      const abort = new AbortController();
      const res = await fetch(`${srv.url}/api/documents/events${query}`, { signal: abort.signal });
      assert.equal(res.status, 200);
      let first: { event: string; data: unknown } | undefined;
      for await (const e of sseEvents(res)) {
        first = e;
        break;
      }
      abort.abort();
      assert.equal(first?.event, 'snapshot');
      return (first.data as { documents: DocumentView[] }).documents.map((d) => d.id);
    };
    assert.deepEqual(await snapshot(''), []);
    assert.deepEqual(await snapshot(`?ids=${idOf(1)},unknown,${idOf(2)}`), [idOf(1), idOf(2)]);
    const many = Array.from({ length: 101 }, (_, i) => idOf(i)).join(',');
    const tooMany = await fetch(`${srv.url}/api/documents/events?ids=${many}`);
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as { error: string }).error, /ids names 101 documents; at most 100/);
  });
});

void describe('bulk actions', () => {
  void test('bulk-delete: each id reported on its own, unknown ones too; repeats count once', async () => {
    const [a, b] = [idOf(10), idOf(11)];
    const res = await post('/api/documents/bulk-delete', { ids: [a, 'no-such-id', b, a] });
    assert.equal(res.status, 202);
    const body = (await res.json()) as { results: Array<{ id: string; ok: boolean; status?: string; error?: string }>; done: number; failed: number };
    assert.deepEqual(body.results.map((r) => [r.id, r.ok, r.status ?? r.error]), [
      [a, true, 'deleting'],
      ['no-such-id', false, 'No document with id "no-such-id".'],
      [b, true, 'deleting'],
    ]);
    assert.deepEqual([body.done, body.failed], [2, 1]);
    assert.equal(documents.get(a)?.status, 'deleting');
    const jobs = srv.services.registry.get(b);
    assert.equal(jobs?.status, 'deleting');
  });

  void test('bulk-move: moved ids name their collections, unknown or ambiguous ones say why; an unknown target moves nothing', async () => {
    const { registry } = srv.services;
    const [a, both] = [idOf(21), idOf(22)];
    registry.collections.add(both, archiveId); // now in General and Archive
    const res = await post('/api/documents/bulk-move', { ids: [a, 'no-such-id', both], collection: 'archive' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { results: Array<{ id: string; ok: boolean; collections?: Array<{ name: string }>; error?: string }>; done: number; failed: number };
    assert.deepEqual(body.results[0], { id: a, ok: true, collections: [{ id: archiveId, name: 'Archive' }] });
    assert.deepEqual(body.results[1], { id: 'no-such-id', ok: false, error: 'No document with id "no-such-id". List them with GET /api/documents.' });
    assert.match(body.results[2]!.error ?? '', /is in several collections \(General, Archive\); say which one to move it from/);
    assert.deepEqual([body.done, body.failed], [1, 2]);
    const from = await post('/api/documents/bulk-move', { ids: [both], collection: 'General', from: 'Archive' });
    assert.deepEqual(((await from.json()) as { results: unknown[] }).results, [{ id: both, ok: true, collections: [{ id: 'general', name: 'General' }] }]);
    const c = idOf(23);
    const unknown = await post('/api/documents/bulk-move', { ids: [c], collection: 'Nowhere' });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: string }).error, /No collection "Nowhere"/);
    assert.deepEqual(registry.collections.of(c), ['general']);
    assert.equal((await post('/api/documents/bulk-move', { ids: [c] })).status, 400);
  });

  void test('bounded and validated: 1..1000 ids of text; anything else is a 400 saying what to send', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /Send a JSON object with "ids"/],
      [{ ids: 'abc' }, /Send a JSON object with "ids"/],
      [{ ids: [] }, /select at least one document/],
      [{ ids: [1] }, /Every id in "ids" must be a document id/],
      [{ ids: Array.from({ length: 1001 }, (_, i) => `id-${i}`) }, /Too many ids: 1001; at most 1000 per request/],
    ];
    for (const [body, message] of cases) {
      for (const p of ['/api/documents/bulk-delete', '/api/documents/bulk-move']) {
        const res = await post(p, { collection: 'General', ...(body as object) });
        assert.equal(res.status, 400, `${p} ${JSON.stringify(body).slice(0, 60)}`);
        assert.match(((await res.json()) as { error: string }).error, message);
      }
    }
    const thousand = await post('/api/documents/bulk-delete', { ids: Array.from({ length: 1000 }, (_, i) => `id-${i}`) });
    assert.equal(thousand.status, 202);
  });

  void test('the cross-site guard applies: a browser request without the session token is refused and nothing is deleted', async () => {
    const id = idOf(30);
    const res = await post('/api/documents/bulk-delete', { ids: [id] }, { 'Sec-Fetch-Site': 'same-origin' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('docent-refused'), 'token');
    const cross = await post('/api/documents/bulk-move', { ids: [id], collection: 'Archive' }, { 'Sec-Fetch-Site': 'cross-site' });
    assert.equal(cross.status, 403);
    assert.notEqual(documents.get(id)?.status, 'deleting');
    assert.deepEqual(srv.services.registry.collections.of(id), ['general']);
  });
});
