/**
 * The Collections page over fake services (the collection service is the real one over an in-memory
 * registry): the list with counts and descriptions, create / rename / describe / delete through the
 * htmx form posts, the delete confirmation naming how many documents go, errors as text fragments,
 * and names with markup shown as text everywhere; the Documents page's collection picker and
 * column. The Ask page's chooser is web-chat-collections.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

const HX = { 'HX-Request': 'true' };
const get = async (p: string) => {
  const res = await fetch(srv.url + p);
  return { status: res.status, text: await res.text() };
};
const form = async (method: string, p: string, fields: Record<string, string> = {}) => {
  const res = await fetch(srv.url + p, { method, headers: HX, body: method === 'DELETE' ? undefined : new URLSearchParams(fields) });
  return { status: res.status, trigger: res.headers.get('HX-Trigger'), text: await res.text() };
};
const byName = (name: string) => srv.services.collections.list().find((c) => c.name === name)!;

void describe('Collections page', () => {
  void test('is in the nav and lists every collection with its document count and description', async () => {
    const manuals = srv.services.collections.create({ name: 'Manuals', description: 'Pumps & valves' });
    const { status, text } = await get('/collections');
    assert.equal(status, 200);
    assert.match(text, /<a href="\/collections" aria-current="page" class="active">Collections<\/a>/);
    assert.match((await get('/documents')).text, /<a href="\/collections">Collections<\/a>/);
    assert.match(text, /value="General"/);
    assert.match(text, new RegExp(`<tr data-id="${manuals.id}">[\\s\\S]*?Pumps &amp; valves[\\s\\S]*?<td class="num documents-cell">0</td>`));
    assert.match(text, /it cannot be deleted/, 'General has no delete button');
  });

  void test('create, rename and describe through the forms; the list reloads on collections-changed', async () => {
    const created = await form('POST', '/collections', { name: 'Policies', description: '' });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.trigger, 'collections-changed');
    assert.match(created.text, /Created the collection &quot;Policies&quot;\./);
    const id = byName('Policies').id;
    const saved = await form('PATCH', `/collections/${id}`, { name: 'HR policies', description: 'Leave, pay' });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual([byName('HR policies').id, byName('HR policies').description], [id, 'Leave, pay']);
    const list = await get('/collections/list');
    assert.match(list.text, /hx-trigger="collections-changed from:body"/);
    assert.match(list.text, /value="HR policies"/);
    assert.match(list.text, /Leave, pay/);
  });

  void test('bad input is a 4xx alert fragment with the message as text', async () => {
    const empty = await form('POST', '/collections', { name: '  ' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /class="alert alert-error"[^>]*>.*Give the collection a name: the name is empty\./);
    assert.equal(empty.trigger, null);
    await form('POST', '/collections', { name: '<b>Dup</b>' });
    const dup = await form('POST', '/collections', { name: '<B>dup</B>' });
    assert.equal(dup.status, 400);
    assert.match(dup.text, /There is already a collection named &quot;&lt;b&gt;Dup&lt;\/b&gt;&quot;/);
    assert.ok(!dup.text.includes('<b>'));
    assert.equal((await form('PATCH', '/collections/nope', { name: 'x' })).status, 404);
    assert.equal((await form('DELETE', '/collections/general')).status, 400);
  });

  void test('a name with markup stays text in the list, the confirmation and the result', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const created = await form('POST', '/collections', { name: hostile, description: '<script>alert(2)</script>' });
    assert.equal(created.status, 200, created.text);
    assert.ok(!created.text.includes('<img'));
    const { text } = await get('/collections');
    assert.ok(!text.includes('<img src=x'), 'no raw markup from the name');
    assert.ok(!text.includes('<script>alert(2)'), 'no raw markup from the description');
    assert.ok(text.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(text.includes('hx-confirm="Delete the collection &quot;&lt;img src=x onerror=alert(1)&gt;&quot;?'));
  });

  void test('the delete confirmation names how many documents go with it and how many stay; delete says what it did', async () => {
    const c = srv.services.collections.create({ name: 'Project A' });
    srv.services.docs = [
      fakeDocument({ id: 'a1', collections: [c.id] }),
      fakeDocument({ id: 'a2', collections: [c.id] }),
      fakeDocument({ id: 'shared', collections: ['general', c.id] }),
      fakeDocument({ id: 'other', collections: ['general'] }),
    ];
    const { text } = await get('/collections');
    assert.ok(text.includes('hx-confirm="Delete the collection &quot;Project A&quot;? 2 documents will be deleted with it. 1 document in other collections too will stay there."'), text);
    const one = srv.services.collections.create({ name: 'Project B' });
    srv.services.docs = [fakeDocument({ id: 'b1', collections: [one.id] })];
    assert.ok((await get('/collections')).text.includes('Delete the collection &quot;Project B&quot;? 1 document will be deleted with it."'));
    srv.services.docs = [];
    const deleted = await form('DELETE', `/collections/${c.id}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.trigger, 'collections-changed');
    assert.match(deleted.text, /Deleted the collection &quot;Project A&quot;: 0 documents deleted with it\./);
    assert.equal(srv.services.collections.list().some((x) => x.id === c.id), false);
  });

  void test('each collection has a Re-index button posting to /collections/:id/reindex, which re-indexes that collection alone', async () => {
    const c = srv.services.collections.create({ name: '<b>Atlas</b>' });
    srv.services.docs = [fakeDocument({ id: 'x1', collections: [c.id] }), fakeDocument({ id: 'x2', collections: ['general'] })];
    const { text } = await get('/collections');
    assert.ok(text.includes(`hx-post="/collections/${c.id}/reindex"`), text);
    assert.ok(text.includes('hx-post="/collections/general/reindex"'), 'General can be re-indexed too');
    assert.ok(text.includes('aria-label="Re-index &lt;b&gt;Atlas&lt;/b&gt;"'));
    assert.ok(!text.includes('<b>Atlas'));
    srv.services.reindexed.length = 0;
    const done = await form('POST', `/collections/${c.id}/reindex`);
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Re-indexing the collection &quot;&lt;b&gt;Atlas&lt;\/b&gt;&quot;: 1 document queued/);
    assert.deepEqual(srv.services.reindexed, [c.id]);
    const missing = await form('POST', '/collections/nope/reindex');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /No collection &quot;nope&quot;/);
    srv.services.docs = [];
  });
});

void describe('Documents page with collections', () => {
  void test('the upload form has a collection picker and each row names its collections, as text', async () => {
    const c = srv.services.collections.create({ name: '<i>Handbooks</i>' });
    srv.services.docs = [fakeDocument({ id: 'd1', collections: ['general', c.id] }), fakeDocument({ id: 'd2', collections: [c.id] })];
    const { text } = await get('/documents');
    assert.match(text, /<select id="upload-collection" name="collection"><option value="general">General<\/option>/);
    assert.ok(text.includes(`<option value="${c.id}">&lt;i&gt;Handbooks&lt;/i&gt;</option>`));
    assert.ok(!text.includes('<i>Handbooks'));
    assert.ok(text.includes('<td class="collections-cell small">General, &lt;i&gt;Handbooks&lt;/i&gt;</td>'));
    assert.ok((await get('/documents/list')).text.includes('<td class="collections-cell small">&lt;i&gt;Handbooks&lt;/i&gt;</td>'));
  });

  void test('the page upload takes ?collection= (id or name) and refuses an unknown one with a 404 naming it', async () => {
    const c = srv.services.collections.create({ name: 'Uploads here' });
    const post = async (query: string) => {
      const body = new FormData();
      body.append('file', new Blob(['hello']), 'a.txt');
      const res = await fetch(`${srv.url}/documents${query}`, { method: 'POST', headers: HX, body });
      return { status: res.status, text: await res.text() };
    };
    srv.services.uploadCollections.length = 0;
    assert.equal((await post('?collection=uploads%20here')).status, 200);
    assert.equal((await post('')).status, 200);
    const missing = await post('?collection=Nowhere');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /No collection &quot;Nowhere&quot;/);
    assert.deepEqual(srv.services.uploadCollections, [c.id, undefined]);
  });
});
