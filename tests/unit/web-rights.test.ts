/**
 * Rights per collection over the real web app (fake services, real account store and collection
 * service): a member sees, asks over and searches only the collections they may read (an
 * unreadable one is the same 404 as an unknown one, documents in it too); uploads, deletes,
 * renames and re-indexing need write; analytics and the Admin page are for admins (403); the
 * answer request carries only readable collections; the upload and move menus offer only writable
 * collections (the filter and the Ask chooser the readable ones); an admin's grant on the Admin page (a plain
 * form, no JavaScript) then lets the member in. Sign-in off: see web-accounts.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { fakeDocument, FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callTool, textOf } from '../support/mcp-clients.ts';
import { sseEvents, type SseEvent } from '../support/sse.ts';

let accounts: Accounts;
let srv: TestServer;
let fake: FakeServices;
let admin: string;
let member: string;
let memberCookie: string;
let adminCookie: string;
let team: string;
let secret: string;

const bearer = (token: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
const api = (p: string, token: string, init: RequestInit = {}): Promise<Response> => fetch(srv.url + p, bearer(token, init));
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
async function upload(token: string, collection: string): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob(['hello there']), 'note.txt');
  return fetch(`${srv.url}/api/documents?collection=${encodeURIComponent(collection)}`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
}
async function cookieFor(name: string, password: string): Promise<string> {
  const r = await accounts.signIn(name, password, '127.0.0.9');
  assert.ok(r.ok);
  return `docent_auth=${r.sessionId}`;
}

before(async () => {
  accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, scrypt: { logN: 10, r: 8, p: 1 } });
  fake = new FakeServices();
  srv = await startTestServer({}, fake, pino({ level: 'silent' }), accounts);
  const a = await accounts.addUser('Ada', 'admin', 'ada-password');
  const b = await accounts.addUser('bob', 'member', 'bob-password');
  admin = accounts.createToken(a.id, 'test').token;
  member = accounts.createToken(b.id, 'test').token;
  adminCookie = await cookieFor('Ada', 'ada-password');
  memberCookie = await cookieFor('bob', 'bob-password');
  team = ((await (await api('/api/collections', admin, json({ name: 'Team' }))).json()) as { id: string }).id;
  secret = ((await (await api('/api/collections', admin, json({ name: 'Secret' }))).json()) as { id: string }).id;
  accounts.rights.grant(team, 'bob', 'read');
  fake.docs.push(
    fakeDocument({ id: 'doc-general', name: 'general.txt', collections: ['general'] }),
    fakeDocument({ id: 'doc-team', name: 'team.txt', collections: [team] }),
    fakeDocument({ id: 'doc-secret', name: 'secret-plans.txt', collections: [secret] }),
  );
});
after(async () => {
  await srv.close();
  accounts.close();
});

describe('reading', () => {
  void test('a member lists only readable collections and documents; an unreadable one is the 404 of an unknown one', async () => {
    const list = (await (await api('/api/collections', member)).json()) as { collections: Array<{ name: string }> };
    assert.deepEqual(list.collections.map((c) => c.name), ['General', 'Team']);
    const hidden = await api('/api/collections/Secret', member);
    const unknown = await api('/api/collections/Nonesuch', member);
    assert.equal(hidden.status, 404);
    assert.equal(((await hidden.json()) as { error: string }).error, ((await unknown.json()) as { error: string }).error.replace('Nonesuch', 'Secret'));
    const docs = (await (await api('/api/documents', member)).json()) as { documents: Array<{ id: string }>; total: number };
    assert.deepEqual(docs.documents.map((d) => d.id).sort(), ['doc-general', 'doc-team']);
    assert.equal(docs.total, 2);
    assert.equal((await api('/api/documents?collection=Secret', member)).status, 404);
    for (const p of ['/api/documents/doc-secret', '/api/documents/doc-secret/text']) assert.equal((await api(p, member)).status, 404, p);
    assert.equal((await api('/api/documents/doc-team', member)).status, 200);
    // The admin sees everything.
    assert.equal(((await (await api('/api/documents', admin)).json()) as { total: number }).total, 3);
  });

  void test('pages: the Documents page, a row and a passage view of an unreadable document are not shown', async () => {
    const page = await (await fetch(`${srv.url}/documents`, { headers: { cookie: memberCookie } })).text();
    assert.match(page, /team\.txt/);
    assert.doesNotMatch(page, /secret-plans|Secret/);
    for (const p of ['/documents/doc-secret/row', '/documents/doc-secret/view?chunk=doc-secret:0']) {
      assert.equal((await fetch(srv.url + p, { headers: { cookie: memberCookie } })).status, 404, p);
    }
  });

  void test('document events reach a member only for documents they may read', async () => {
    const res = await fetch(`${srv.url}/api/documents/events`, { headers: { authorization: `Bearer ${member}` } });
    const events = sseEvents(res);
    assert.equal(((await events.next()).value as SseEvent).event, 'snapshot');
    fake.emitChange(fakeDocument({ id: 'doc-secret', name: 'secret-plans.txt', status: 'processing' }));
    fake.emitChange(fakeDocument({ id: 'doc-team', name: 'team.txt', status: 'processing' }));
    const next = (await events.next()).value as SseEvent;
    assert.equal((next.data as { id: string }).id, 'doc-team');
    await events.return(undefined);
  });
});

describe('asking and searching', () => {
  void test('the answer request carries only the readable collections; naming an unreadable one is a 404 and nothing is asked', async () => {
    const asked = fake.asked.length;
    assert.equal((await api('/api/ask', member, json({ question: 'What is planned?' }))).status, 200);
    assert.deepEqual([...(fake.asked.at(-1)!.collections ?? [])].sort(), ['general', team].sort());
    const refused = await api('/api/ask', member, json({ question: 'What is planned?', collections: ['Secret'] }));
    assert.equal(refused.status, 404);
    assert.equal(fake.asked.length, asked + 1);
    // The admin's question names no collection: all of them, as before.
    await api('/api/ask', admin, json({ question: 'What is planned?' }));
    assert.equal(fake.asked.at(-1)!.collections, undefined);
  });

  void test('the OpenAI-compatible API lists and answers readable collections only', async () => {
    const models = (await (await api('/v1/models', member)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((m) => m.id), ['docent', 'docent:General', 'docent:Team']);
    const body = { model: 'docent:Secret', messages: [{ role: 'user', content: 'What is planned?' }] };
    assert.equal((await api('/v1/chat/completions', member, json(body))).status, 404);
    assert.equal((await api('/v1/chat/completions', member, json({ ...body, model: 'docent' }))).status, 200);
    assert.deepEqual([...(fake.asked.at(-1)!.collections ?? [])].sort(), ['general', team].sort());
  });

  void test('MCP tools and resources: readable collections and documents only', async () => {
    const client = new Client({ name: 'rights-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${member}` } } }));
    try {
      const listed = textOf(await callTool(client, 'list_documents', {}));
      assert.match(listed, /team\.txt/);
      assert.doesNotMatch(listed, /secret-plans/);
      const { resources } = await client.listResources();
      assert.ok(!resources.some((r) => r.uri.endsWith('/doc-secret')), JSON.stringify(resources));
      await assert.rejects(client.readResource({ uri: 'docent://documents/doc-secret' }), /No document with id "doc-secret"/);
      const refused = await callTool(client, 'search_documents', { query: 'plans', collections: ['Secret'] });
      assert.equal(refused.isError, true);
      assert.match(textOf(refused), /No collection "Secret"/);
      await callTool(client, 'ask', { question: 'What is planned?' });
      assert.deepEqual([...(fake.asked.at(-1)!.collections ?? [])].sort(), ['general', team].sort());
    } finally {
      await client.close();
    }
  });

  void test('search goes over readable collections only', async () => {
    await api('/api/search?q=plans', member);
    assert.deepEqual([...(fake.searchedIn.at(-1) ?? [])].sort(), ['general', team].sort());
    assert.equal((await api('/api/search?q=plans&collections=Secret', member)).status, 404);
  });
});

describe('writing', () => {
  void test('upload, delete, rename and re-index are refused on a collection the member may only read', async () => {
    const uploads = fake.uploads.length;
    const res = await upload(member, 'Team');
    assert.equal(res.status, 403, await res.clone().text());
    assert.match(((await res.json()) as { error: string }).error, /may read the collection "Team" but not change it/);
    assert.equal((await upload(member, 'Secret')).status, 404);
    assert.equal(fake.uploads.length, uploads);
    assert.equal((await api('/api/documents/doc-team', member, { method: 'DELETE' })).status, 403);
    assert.equal((await api('/api/documents/doc-secret', member, { method: 'DELETE' })).status, 404);
    const bulk = (await (await api('/api/documents/bulk-delete', member, json({ ids: ['doc-team', 'doc-secret'] }))).json()) as { failed: number; results: Array<{ error?: string }> };
    assert.equal(bulk.failed, 2);
    assert.match(bulk.results[0]!.error!, /may read "team.txt" but not delete it/);
    assert.match(bulk.results[1]!.error!, /No document with id "doc-secret"/);
    assert.equal((await api('/api/documents/doc-team/move', member, json({ to: 'General' }))).status, 403);
    assert.equal((await api('/api/documents/doc-secret/move', member, json({ to: 'General' }))).status, 404);
    assert.deepEqual(fake.deleted, []);
    assert.equal((await api('/api/collections/Team', member, { method: 'PATCH', body: JSON.stringify({ name: 'Mine' }) })).status, 403);
    assert.equal((await api('/api/collections/Team/reindex', member, { method: 'POST' })).status, 403);
    assert.equal((await api('/api/index/reindex', member, { method: 'POST' })).status, 403);
    assert.deepEqual(fake.reindexed, []);
    // General starts open to everyone for writing (the default).
    assert.equal((await upload(member, 'General')).status, 202);
  });

  void test("a member's new collection is theirs to write", async () => {
    const res = await api('/api/collections', member, json({ name: 'Bobs' }));
    assert.equal(res.status, 201);
    assert.equal((await upload(member, 'Bobs')).status, 202);
  });
});

describe('pickers', () => {
  const options = (page: string, select: RegExp): string[] => {
    const m = select.exec(page);
    assert.ok(m, `the picker ${String(select)} is on the page`);
    return [...m[1]!.matchAll(/<option value="[^"]*">([^<]*)<\/option>/g)].map((o) => o[1]!);
  };

  void test('the upload and move menus list only collections the member may write; the filter and the Ask chooser the readable ones', async () => {
    // bob: General write (everyone), Bobs write (he made it), Team read, Secret nothing.
    const docs = await (await fetch(`${srv.url}/documents`, { headers: { cookie: memberCookie } })).text();
    assert.deepEqual(options(docs, /<select id="upload-collection" name="collection">(.*?)<\/select>/s).sort(), ['Bobs', 'General']);
    assert.deepEqual(options(docs, /<select id="bulk-move-to">(.*?)<\/select>/s).sort(), ['Bobs', 'General']);
    assert.deepEqual(options(docs, /<select name="collection" aria-label="Collection">(.*?)<\/select>/s).filter((n) => n !== 'Every collection').sort(), ['Bobs', 'General', 'Team']);
    const ask = await (await fetch(`${srv.url}/`, { headers: { cookie: memberCookie } })).text();
    assert.deepEqual([...ask.matchAll(/name="collections" value="[^"]*" data-name="([^"]*)"/g)].map((m) => m[1]).sort(), ['Bobs', 'General', 'Team']);
    // The admin may write everywhere.
    const adminDocs = await (await fetch(`${srv.url}/documents`, { headers: { cookie: adminCookie } })).text();
    assert.deepEqual(options(adminDocs, /<select id="upload-collection" name="collection">(.*?)<\/select>/s).sort(), ['Bobs', 'General', 'Secret', 'Team']);
  });
});

describe('admins only', () => {
  void test('analytics pages, their API and export, and the Admin page are 403 for a member', async () => {
    for (const p of ['/analytics', '/analytics/panel', '/admin']) {
      const res = await fetch(srv.url + p, { headers: { cookie: memberCookie } });
      assert.equal(res.status, 403, p);
      assert.match(await res.text(), /Only admins/);
    }
    for (const p of ['/api/analytics/summary', '/api/analytics/answers.csv', '/api/analytics/answers/a1']) assert.equal((await api(p, member)).status, 403, p);
    assert.equal((await fetch(`${srv.url}/analytics`, { headers: { cookie: adminCookie } })).status, 200);
    const nav = await (await fetch(`${srv.url}/documents`, { headers: { cookie: memberCookie } })).text();
    assert.doesNotMatch(nav, /href="\/admin"|href="\/analytics"/);
  });

  void test('an admin grants write on the Admin page with a plain form; the member may then upload', async () => {
    const page = await fetch(`${srv.url}/admin`, { headers: { cookie: adminCookie } });
    assert.equal(page.status, 200);
    const htmlText = await page.text();
    assert.match(htmlText, /href="\/admin"/);
    const token = /name="csrf_token" value="([^"]+)"/.exec(htmlText)![1]!;
    const session = page.headers.getSetCookie().find((c) => c.startsWith('docent_session='))!.split(';')[0]!;
    const browser = { cookie: `${adminCookie}; ${session}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' };
    const post = (fields: Record<string, string>) => fetch(`${srv.url}/admin/rights`, { method: 'POST', headers: browser, body: new URLSearchParams(fields).toString() });
    // Without the page's token the guard refuses it.
    assert.equal((await post({ collection: team, who: 'bob', level: 'write' })).status, 403);
    assert.equal((await upload(member, 'Team')).status, 403);
    const granted = await post({ csrf_token: token, collection: team, who: 'bob', level: 'write' });
    assert.equal(granted.status, 200);
    assert.match(await granted.text(), /bob may now write the collection &quot;Team&quot;|bob may now write the collection "Team"/);
    assert.equal((await upload(member, 'Team')).status, 202);
  });

  void test('with nothing readable, a question answers that there is nothing to search', async () => {
    accounts.rights.revoke('general', 'everyone');
    accounts.rights.revoke(team, 'bob');
    const bobs = (await (await api('/api/collections', member)).json()) as { collections: Array<{ id: string }> };
    for (const c of bobs.collections) accounts.rights.revoke(c.id, 'bob');
    assert.deepEqual(((await (await api('/api/collections', member)).json()) as { collections: unknown[] }).collections, []);
    const docsPage = await (await fetch(`${srv.url}/documents`, { headers: { cookie: memberCookie } })).text();
    assert.doesNotMatch(docsPage, /id="upload-collection"/);
    assert.match(docsPage, /No collection is open to you for uploads: ask an admin for write access/);
    const asked = fake.asked.length;
    const res = await api('/api/ask', member, json({ question: 'Anything?' }));
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /nothing to search/);
    assert.equal(fake.asked.length, asked);
    const searches = fake.searchedIn.length;
    assert.deepEqual(((await (await api('/api/search?q=x', member)).json()) as { results: unknown[] }).results, []);
    assert.equal(fake.searchedIn.length, searches);
  });
});
