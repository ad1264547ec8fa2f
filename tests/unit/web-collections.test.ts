/**
 * The collections API with fake services over real HTTP (the collection service is the real one
 * over an in-memory registry; its jobs are recorded), and collections on the answer path: the web
 * resolves names to ids (404 naming an unknown one), the request carries the ids, the worker's
 * retriever searches only those, and sources come back naming their collection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { QUEUES } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { logger } from '../../src/log.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';
import { retryPolicy } from '../support/retry-policy.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

const send = (method: string, p: string, body?: unknown) =>
  fetch(srv.url + p, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
async function expect<T>(res: Response, status: number): Promise<T> {
  assert.equal(res.status, status, await res.clone().text());
  return (await res.json()) as T;
}
interface Collection {
  id: string;
  name: string;
  description: string;
  documents: number;
}

void describe('/api/collections', () => {
  void test('General is there; create answers 201; empty or duplicate names are 400 with a message; markup stays text', async () => {
    assert.deepEqual((await expect<{ collections: Collection[] }>(await send('GET', '/api/collections'), 200)).collections.map((c) => c.name), ['General']);
    const created = await expect<Collection>(await send('POST', '/api/collections', { name: 'Manuals', description: 'Pumps and valves' }), 201);
    assert.deepEqual({ ...created, id: 'x', createdAt: 0 }, { id: 'x', name: 'Manuals', description: 'Pumps and valves', createdAt: 0, documents: 0 });
    assert.deepEqual(await expect(await send('POST', '/api/collections', { name: ' ' }), 400), { error: 'Give the collection a name: the name is empty.' });
    assert.deepEqual(await expect(await send('POST', '/api/collections', { name: 'manuals' }), 400), { error: 'There is already a collection named "Manuals"; choose another name.' });
    assert.equal((await send('POST', '/api/collections', ['Manuals'])).status, 400);
    const markup = await expect<Collection>(await send('POST', '/api/collections', { name: '<script>alert(1)</script>' }), 201);
    assert.equal(markup.name, '<script>alert(1)</script>');
    assert.equal((await expect<Collection>(await send('GET', `/api/collections/${encodeURIComponent('<SCRIPT>alert(1)</SCRIPT>')}`), 200)).id, markup.id);
  });

  void test('read, rename and describe by id or name; an unknown one is 404 naming it', async () => {
    const one = await expect<Collection>(await send('POST', '/api/collections', { name: 'Policies' }), 201);
    assert.equal((await expect<Collection>(await send('GET', '/api/collections/policies'), 200)).id, one.id);
    const renamed = await expect<Collection>(await send('PATCH', `/api/collections/${one.id}`, { name: 'HR policies', description: 'Leave, pay' }), 200);
    assert.deepEqual([renamed.name, renamed.description], ['HR policies', 'Leave, pay']);
    assert.equal((await expect<Collection>(await send('PATCH', '/api/collections/hr%20policies', { description: 'Leave' }), 200)).name, 'HR policies');
    assert.deepEqual(await expect(await send('GET', '/api/collections/Nope'), 404), { error: 'No collection "Nope". List them with GET /api/collections.' });
    assert.equal((await send('PATCH', '/api/collections/Nope', { name: 'x' })).status, 404);
    assert.equal((await send('DELETE', '/api/collections/Nope')).status, 404);
    assert.equal((await send('DELETE', '/api/collections/General')).status, 400);
  });

  void test('delete: documents elsewhere too leave only its index (a delete job naming it), the others are deleted, then its index directory goes (a drop-collection job); the reply counts them', async () => {
    const s = srv.services;
    const temp = await expect<Collection>(await send('POST', '/api/collections', { name: 'Temp' }), 201);
    for (const [id, collections] of [['d-both', ['general', temp.id]], ['d-only', [temp.id]]] as const) {
      s.docs.push(fakeDocument({ id, name: `${id}.txt` }));
      s.registry.queue({ id, name: `${id}.txt`, mediaType: 'text/plain', size: 1 });
      for (const c of collections) s.registry.collections.add(id, c);
    }
    assert.equal((await expect<Collection>(await send('GET', '/api/collections/temp'), 200)).documents, 2);
    const jobs = s.jobs.length;
    assert.deepEqual(await expect(await send('DELETE', '/api/collections/Temp'), 202), { id: temp.id, name: 'Temp', documentsDeleted: 1, documentsKept: 1 });
    assert.deepEqual(s.deleted, ['d-only']);
    assert.deepEqual(s.jobs.slice(jobs).map((j) => ({ ...(j as object), id: 'x', v: 1 })), [
      { v: 1, id: 'x', kind: 'delete', documentId: 'd-both', name: 'd-both.txt', storedPath: null, collectionId: temp.id },
      { v: 1, id: 'x', kind: 'drop-collection', collectionId: temp.id },
    ]);
    assert.deepEqual(s.registry.collections.of('d-both'), ['general']);
    assert.equal((await send('GET', `/api/collections/${temp.id}`)).status, 404);
  });

  void test('re-index one collection (by id or name): only its documents are queued; unknown is 404 naming it; /api/index/reindex still does all', async () => {
    const c = await expect<Collection>(await send('POST', '/api/collections', { name: 'Reindexed' }), 201);
    srv.services.docs = [fakeDocument({ id: 'r1', name: 'r1.txt', collections: [c.id] }), fakeDocument({ id: 'g1', name: 'g1.txt', collections: ['general'] })];
    srv.services.reindexed.length = 0;
    const byName = await expect<{ id: string; name: string; documents: Array<{ id: string; status: string }> }>(await send('POST', '/api/collections/reindexed/reindex'), 202);
    assert.deepEqual(byName, { id: c.id, name: 'Reindexed', documents: [{ id: 'r1', name: 'r1.txt', status: 'queued' }] });
    await expect(await send('POST', `/api/collections/${c.id}/reindex`), 202);
    assert.deepEqual(srv.services.reindexed, [c.id, c.id]);
    const missing = await expect<{ error: string }>(await send('POST', '/api/collections/Nowhere/reindex'), 404);
    assert.match(missing.error, /No collection "Nowhere"/);
    assert.deepEqual(srv.services.reindexed, [c.id, c.id], 'nothing re-indexed for an unknown collection');
    const all = await expect<{ documents: unknown[] }>(await send('POST', '/api/index/reindex'), 202);
    assert.equal(all.documents.length, 2);
    assert.deepEqual(srv.services.reindexed, [c.id, c.id, undefined]);
    srv.services.docs = [];
  });

  void test('move: a copy job with move, no re-embedding; "to" is required, unknown targets are 404', async () => {
    const s = srv.services;
    const target = await expect<Collection>(await send('POST', '/api/collections', { name: 'Archive' }), 201);
    s.docs.push(fakeDocument({ id: 'd-move', name: 'move.txt' }));
    s.registry.queue({ id: 'd-move', name: 'move.txt', mediaType: 'text/plain', size: 1 });
    s.registry.collections.add('d-move', 'general');
    const jobs = s.jobs.length;
    assert.deepEqual(await expect(await send('POST', '/api/documents/d-move/move', { to: 'archive' }), 200), { id: 'd-move', collections: [{ id: target.id, name: 'Archive' }] });
    assert.deepEqual(s.jobs.slice(jobs).map((j) => ({ ...(j as object), id: 'x' })), [{ v: 1, id: 'x', kind: 'copy', documentId: 'd-move', name: 'move.txt', from: 'general', to: target.id, move: true }]);
    assert.equal((await send('POST', '/api/documents/d-move/move', {})).status, 400);
    assert.deepEqual(await expect(await send('POST', '/api/documents/d-move/move', { to: 'Elsewhere' }), 404), { error: 'No collection "Elsewhere". List them with GET /api/collections.' });
    assert.equal((await send('POST', '/api/documents/no-such/move', { to: 'General' })).status, 404);
  });
});

void describe('collections named in uploads, searches and questions', () => {
  void test('POST /api/documents?collection= takes an id or a name; an unknown one is 404 and nothing is received', async () => {
    const s = srv.services;
    const c = await expect<Collection>(await send('POST', '/api/collections', { name: 'Uploads here' }), 201);
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob(['some text']), 'a.txt');
      return f;
    };
    await expect(await fetch(`${srv.url}/api/documents?collection=uploads%20HERE`, { method: 'POST', body: form() }), 202);
    await expect(await fetch(`${srv.url}/api/documents`, { method: 'POST', body: form() }), 202);
    assert.deepEqual(s.uploadCollections.slice(-2), [c.id, undefined]);
    const uploads = s.uploads.length;
    assert.deepEqual(await expect(await fetch(`${srv.url}/api/documents?collection=Missing`, { method: 'POST', body: form() }), 404), { error: 'No collection "Missing". List them with GET /api/collections.' });
    assert.equal(s.uploads.length, uploads);
  });

  void test('GET /api/search?collections=a,b resolves names to ids, 404 names an unknown one, results name their collection', async () => {
    const s = srv.services;
    const c = await expect<Collection>(await send('POST', '/api/collections', { name: 'Searchable' }), 201);
    s.hits = [{ ...s.hits[0]!, collectionId: c.id }];
    const body = await expect<{ results: Array<{ collection: unknown }> }>(await send('GET', `/api/search?q=cat&collections=searchable,general`), 200);
    assert.deepEqual(s.searchedIn.at(-1), [c.id, 'general']);
    assert.deepEqual(body.results[0]!.collection, { id: c.id, name: 'Searchable' });
    await expect(await send('GET', '/api/search?q=cat'), 200);
    assert.deepEqual(s.searchedIn.at(-1), []);
    assert.deepEqual(await expect(await send('GET', '/api/search?q=cat&collections=general,Gone'), 404), { error: 'No collection "Gone". List them with GET /api/collections.' });
  });

  void test('POST /api/ask {collections} sends the ids; an unknown one is 404 before anything is asked', async () => {
    const s = srv.services;
    await expect(await send('POST', '/api/ask', { question: 'Who feeds the cat?', collections: ['General', 'searchable'] }), 200);
    const searchable = (await expect<Collection>(await send('GET', '/api/collections/searchable'), 200)).id;
    assert.deepEqual(s.asked.at(-1)!.collections, ['general', searchable]);
    const asked = s.asked.length;
    assert.deepEqual(await expect(await send('POST', '/api/ask', { question: 'Who?', collections: ['Nope'] }), 404), { error: 'No collection "Nope". List them with GET /api/collections.' });
    assert.equal((await send('POST', '/api/ask', { question: 'Who?', collections: 'general' })).status, 200);
    assert.equal((await send('POST', '/api/ask', { question: 'Who?', collections: [3] })).status, 400);
    assert.equal(s.asked.length, asked + 1);
  });
});

void test('the answer worker searches only the requested collections, and sources come back naming theirs', async () => {
  const bus = createMemoryMessageBus();
  const events = createMemoryEventLog();
  const searched: Array<readonly string[] | undefined> = [];
  const chat: ChatModel = {
    name: 'scripted',
    contextSize: 2048,
    sequences: 1,
    countTokens: (t) => Math.ceil(t.length / 4),
    generate: () => Promise.resolve({ text: 'Ilsabet [1].', promptTokens: 10, completionTokens: 3, firstTokenMs: 1 }),
    close: () => Promise.resolve(),
  };
  const retriever = {
    search: (_q: string, _k: number, collections?: readonly string[]) => {
      searched.push(collections);
      return Promise.resolve([{ chunkId: 'd:0', documentId: 'd', documentName: 'guide.pdf', page: 2, text: 'Ilsabet keeps the light.', start: 0, end: 24, score: 0.9, collectionId: 'manuals01' }]);
    },
  };
  const log = logger('test');
  const handler = createAnswerHandler({ bus, events, retriever, chat, workerId: 'w1', systemPrompt: undefined, cancellations: new AnswerCancellations(), logger: log });
  await bus.consume(QUEUES.answerRequests, handler, { prefetch: 1, retry: retryPolicy({ maxAttempts: 1 }) });
  const client = await createAnswerClient({ bus, timeoutMs: 5000, logger: log, collectionName: (id) => (id === 'manuals01' ? 'Manuals <v2>' : undefined) });
  try {
    const replies: AnswerReply[] = [];
    for await (const r of (await client.ask({ question: 'Who keeps the light?', settings: DEFAULT_SETTINGS, collections: ['manuals01'] })).replies) replies.push(r);
    for await (const r of (await client.ask({ question: 'Who keeps the light?', settings: DEFAULT_SETTINGS })).replies) replies.push(r);
    assert.deepEqual(searched, [['manuals01'], undefined]);
    const done = replies.filter((r) => r.type === 'done');
    assert.equal(done.length, 2);
    for (const r of replies) {
      if (r.type === 'sources' || r.type === 'done') assert.deepEqual(r.sources.map((x) => [x.collectionId, x.collectionName]), [['manuals01', 'Manuals <v2>']]);
    }
  } finally {
    client.close();
    await bus.close();
    await events.close();
  }
});
