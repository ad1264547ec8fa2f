/**
 * Live document status: the SSE endpoint (snapshot of the ids asked for, then one event per
 * change, deletions included), the ingest-jobs contract with its `kind`, and the counts progress events carry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIngestQueueMessage } from '../../src/contracts/ingest.ts';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';
import { progressLabel } from '../../templates/document-list.ts';
import { sseEvents } from '../support/sse.ts';
import { waitFor } from '../support/wait.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

/** Reads SSE events until `count` arrived; then aborts the request (as a closing tab would). */
async function readEvents(res: Response, count: number, abort: AbortController): Promise<Array<{ event: string; data: unknown }>> {
  const out: Array<{ event: string; data: unknown }> = [];
  for await (const { event, data } of sseEvents(res)) {
    out.push({ event, data });
    if (out.length >= count) break;
  }
  abort.abort();
  return out;
}

void test('GET /api/documents/events: a snapshot of the ids asked for, then every change as it happens, deletions included; unsubscribes on close', async () => {
  srv.services.docs = [fakeDocument({ id: 'doc-1', status: 'processing', stage: 'parsing', progress: 0.1 }), fakeDocument({ id: 'doc-2' })];
  const abort = new AbortController();
  const res = await fetch(`${srv.url}/api/documents/events?ids=doc-1,gone`, { signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reading = readEvents(res, 4, abort);
  // Changes after the stream has subscribed arrive in order.
  await waitFor('the event stream to subscribe', () => srv.services.changeListeners > 0, 10_000);
  srv.services.emitChange(fakeDocument({ id: 'doc-1', status: 'processing', stage: 'embedding', progress: 0.5, done: 8, total: 16 }));
  srv.services.emitChange(fakeDocument({ id: 'doc-1', status: 'ready', stage: 'indexed', progress: 1 }));
  srv.services.emitChange(fakeDocument({ id: 'doc-1', status: 'deleted', stage: 'deleted', progress: 1 }));
  const events = await reading.catch((err: unknown) => {
    throw err instanceof Error && err.name === 'AbortError' ? new Error('stream ended early') : err;
  });
  assert.deepEqual(events.map((e) => e.event), ['snapshot', 'document', 'document', 'document']);
  // Only the rows the page shows (doc-2 is not asked for, `gone` does not exist).
  assert.deepEqual((events[0]!.data as { documents: Array<{ id: string; stage: string }> }).documents.map((d) => [d.id, d.stage]), [['doc-1', 'parsing']]);
  assert.deepEqual(events.slice(1).map((e) => (e.data as { status: string }).status), ['processing', 'ready', 'deleted']);
  assert.equal((events[1]!.data as { done: number }).done, 8);
  // The closed connection's listener is removed.
  const end = Date.now() + 5000;
  while (srv.services.changeListeners > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.equal(srv.services.changeListeners, 0);
  srv.services.emitChange(fakeDocument());
  assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
});

void test('ingest.jobs contract: no kind = ingest (first version), delete jobs validated, unknown kind refused', () => {
  const id = 'a'.repeat(64);
  const ingest = parseIngestQueueMessage({ v: 1, id: 'j1', documentId: id, storedPath: '/x', name: 'a.txt', mediaType: 'text/plain', size: 3 });
  assert.ok(ingest.success && ingest.data.kind === undefined);
  const del = parseIngestQueueMessage({ v: 1, id: 'j2', kind: 'delete', documentId: id, name: 'a.txt', storedPath: null });
  assert.ok(del.success && del.data.kind === 'delete');
  const badDelete = parseIngestQueueMessage({ v: 1, id: 'j3', kind: 'delete', documentId: 'nope', name: 'a.txt', storedPath: null });
  assert.ok(!badDelete.success && badDelete.error.issues.some((i) => i.path.join('.') === 'documentId'));
  const unknown = parseIngestQueueMessage({ v: 1, id: 'j4', kind: 'purge', documentId: id });
  assert.ok(!unknown.success && unknown.error.issues.some((i) => i.path.join('.') === 'kind'));
});

void test('ingest.jobs contract: a drop-collection job names a collection id, never General', () => {
  const drop = parseIngestQueueMessage({ v: 1, id: 'j7', kind: 'drop-collection', collectionId: 'manuals' });
  assert.ok(drop.success && drop.data.kind === 'drop-collection');
  for (const collectionId of ['general', '../etc', '', undefined]) {
    const bad = parseIngestQueueMessage({ v: 1, id: 'j8', kind: 'drop-collection', collectionId });
    assert.ok(!bad.success && bad.error.issues.some((i) => i.path.join('.') === 'collectionId'), String(collectionId));
  }
});

void test('a reindex job lists the stored documents; progress labels say what is counted', () => {
  const id = 'b'.repeat(64);
  const reindex = parseIngestQueueMessage({ v: 1, id: 'j5', kind: 'reindex', documents: [{ documentId: id, name: 'a.txt', storedPath: '/u/x' }] });
  assert.ok(reindex.success && reindex.data.kind === 'reindex');
  const badReindex = parseIngestQueueMessage({ v: 1, id: 'j6', kind: 'reindex', documents: [{ documentId: id, name: 'a.txt' }] });
  assert.ok(!badReindex.success && badReindex.error.issues.some((i) => i.path.join('.') === 'documents.0.storedPath'));
  assert.equal(progressLabel({ stage: 'embedding', progress: 0.55, done: 20, total: 40 }), 'embedding chunk 20/40 · 55%');
  assert.equal(progressLabel({ stage: 'parsing', progress: 0.1, done: 3, total: 9 }), 'parsing page 3/9 · 10%');
  assert.equal(progressLabel({ stage: 'saving', progress: 0.92, done: null, total: null }), 'saving · 92%');
});
