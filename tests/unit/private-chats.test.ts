/**
 * Private chats over the real web app (fake answer services, real chat and account stores): with
 * sign-in on, one user's chat is a 404 to another (admins included) on every route that takes a
 * chat or answer id: the chat page, the JSON API, rename, delete, asking on in it (streamed),
 * regenerating, voting and opening a cited passage; owner-less chats (from before sign-in) belong
 * to the first admin; a user's export (Markdown and JSON, with the sources) and delete-all touch
 * only their own chats; the answer request and the vote carry the asking user's internal id.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts, type User } from '../../src/accounts/accounts.ts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { callTool, textOf } from '../support/mcp-clients.ts';
import type { Source } from '../../src/contracts/source.ts';
import { FAKE_SOURCE, fakeDocument, FakeServices, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

const SECTION_SOURCE: Source = { ...FAKE_SOURCE, n: 2, chunkId: 'doc-1:3', page: null, headingPath: 'Duties > Evening', text: 'Lamps are lit at dusk.\nThe log is kept.' };

let accounts: Accounts;
let srv: TestServer;
let ada: User;
let bob: User;
let cy: User;
const tokens: Record<string, string> = {};

before(async () => {
  accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, scrypt: { logN: 10, r: 8, p: 1 } });
  const services = new FakeServices();
  // Every answer cites a page passage and a section passage.
  services.replies = (answerId) =>
    scriptedReplies(answerId).map((r) => (r.type === 'done' || r.type === 'sources' ? { ...r, sources: [FAKE_SOURCE, SECTION_SOURCE] } : r));
  services.docs.push(fakeDocument({ collections: ['general'] }));
  srv = await startTestServer({}, services, pino({ level: 'silent' }), accounts);
  ada = await accounts.addUser('Ada', 'admin', 'ada-password');
  bob = await accounts.addUser('bob', 'member', 'bob-password');
  cy = await accounts.addUser('cy', 'member', 'cy-password');
  for (const u of [ada, bob, cy]) tokens[u.name] = accounts.createToken(u.id, 'test').token;
  // The members may read General (as the defaults give it; the rights are not what is tested here).
  accounts.rights.seedDefaults();
});
after(async () => {
  await srv.close();
  accounts.close();
});

const as = (who: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
});
const call = (who: string, p: string, init: RequestInit = {}): Promise<Response> => fetch(srv.url + p, { redirect: 'manual', ...as(who, init) });
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

/** `who` asks a question (JSON reply): the chat and answer ids. */
async function ask(who: string, question: string, chatId?: string): Promise<{ chatId: string; answerId: string }> {
  const res = await call(who, '/api/ask', json({ question, ...(chatId ? { chatId } : {}) }));
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { chatId: string; answerId: string };
}

/** Signs in through /login and returns the sign-in cookie (for pages). */
async function pageCookie(name: string, password: string): Promise<string> {
  const res = await fetch(`${srv.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, password, next: '/' }).toString(),
  });
  const c = res.headers.getSetCookie().find((x) => x.startsWith('docent_auth='));
  assert.ok(c, 'signed in');
  return c.split(';')[0]!;
}

/** The error body with the id taken out: another's chat must read exactly like a missing one. */
const shape = async (res: Response, id: string): Promise<{ status: number; body: string }> => ({ status: res.status, body: (await res.text()).replaceAll(id, '<id>') });

describe('another user\'s chat is a 404 everywhere', () => {
  let chat: { chatId: string; answerId: string };
  before(async () => {
    chat = await ask('bob', 'When is the cat fed?');
  });

  void test('the owner reads, lists and continues their chat; the request carries their id', async () => {
    assert.equal(srv.services.asked.at(-1)?.userId, bob.id);
    assert.equal((await call('bob', `/api/chats/${chat.chatId}`)).status, 200);
    const list = (await (await call('bob', '/api/chats')).json()) as { chats: Array<{ id: string }> };
    assert.deepEqual(list.chats.map((c) => c.id), [chat.chatId]);
    await ask('bob', 'And on Sundays?', chat.chatId);
  });

  void test('JSON API: read, rename, delete, list: the same 404 as a chat that does not exist', async () => {
    for (const who of ['cy', 'Ada']) {
      const missing = await shape(await call(who, '/api/chats/no-such-chat'), 'no-such-chat');
      assert.equal(missing.status, 404);
      assert.deepEqual(await shape(await call(who, `/api/chats/${chat.chatId}`), chat.chatId), missing, `${who} reads`);
      const rename = (id: string) => call(who, `/api/chats/${id}`, { method: 'PATCH', body: JSON.stringify({ title: 'mine now' }) });
      assert.deepEqual(await shape(await rename(chat.chatId), chat.chatId), await shape(await rename('no-such-chat'), 'no-such-chat'), `${who} renames`);
      const del = (id: string) => call(who, `/api/chats/${id}`, { method: 'DELETE' });
      assert.deepEqual(await shape(await del(chat.chatId), chat.chatId), await shape(await del('no-such-chat'), 'no-such-chat'), `${who} deletes`);
      const list = (await (await call(who, '/api/chats')).json()) as { chats: Array<{ id: string }> };
      assert.ok(!list.chats.some((c) => c.id === chat.chatId), `${who} does not list it`);
    }
    const still = (await (await call('bob', `/api/chats/${chat.chatId}`)).json()) as { title: string };
    assert.equal(still.title, 'When is the cat fed?', 'not renamed, not deleted');
  });

  void test('asking on in it (streamed), regenerating and voting are 404 and reach no worker', async () => {
    const asked = srv.services.asked.length;
    const sse = await call('cy', '/api/ask', { ...json({ question: 'What did bob ask?', chatId: chat.chatId }), headers: { accept: 'text/event-stream' } });
    assert.equal(sse.status, 404);
    assert.match(sse.headers.get('content-type') ?? '', /json/);
    assert.match(await sse.text(), /No chat with id/);
    assert.equal((await call('cy', `/api/answers/${chat.answerId}/regenerate`, { ...json({}), headers: { accept: 'text/event-stream' } })).status, 404);
    assert.equal((await call('Ada', '/api/ask', json({ question: 'x', regenerate: chat.answerId }))).status, 404);
    assert.equal(srv.services.asked.length, asked, 'no question went out');
    const votes = srv.services.votesCast.length;
    const vote = (who: string, answerId: string) => call(who, '/api/votes', json({ answerId, vote: 'down' }));
    assert.deepEqual(await shape(await vote('cy', chat.answerId), chat.answerId), await shape(await vote('cy', 'no-such-answer'), 'no-such-answer'));
    assert.equal((await vote('cy', chat.answerId)).status, 404);
    assert.equal(srv.services.votesCast.length, votes, 'no vote went out');
    assert.equal((await vote('bob', chat.answerId)).status, 202);
    assert.deepEqual(srv.services.votesCast.at(-1), { answerId: chat.answerId, vote: 'down', userId: bob.id });
  });

  void test('pages: the chat page is the not-found page for another user; a cited passage opens only from one\'s own answers', async () => {
    const cyCookie = await pageCookie('cy', 'cy-password');
    const page = await fetch(`${srv.url}/chats/${chat.chatId}`, { headers: { cookie: cyCookie } });
    const missing = await fetch(`${srv.url}/chats/no-such-chat`, { headers: { cookie: cyCookie } });
    assert.equal(page.status, 404);
    const text = await page.text();
    assert.equal(text, await missing.text());
    assert.doesNotMatch(text, /When is the cat fed/);
    const home = await (await fetch(`${srv.url}/`, { headers: { cookie: cyCookie } })).text();
    assert.doesNotMatch(home, /When is the cat fed/, 'not in the chat list');
    const bobHome = await (await fetch(`${srv.url}/`, { headers: { cookie: await pageCookie('bob', 'bob-password') } })).text();
    assert.match(bobHome, /When is the cat fed/);
    const passage = await fetch(`${srv.url}/documents/doc-1/view?chunk=${encodeURIComponent(FAKE_SOURCE.chunkId)}`, { headers: { cookie: cyCookie } });
    assert.equal(passage.status, 404);
    assert.match(await passage.text(), /not among the sources/);
  });
});

describe('the asking user reaches analytics from every way of asking', () => {
  void test('regenerating, the OpenAI-compatible API and the MCP server carry the user\'s internal id', async () => {
    try {
      const mine = await ask('cy', 'Who rings the bell?');
      assert.equal((await call('cy', `/api/answers/${mine.answerId}/regenerate`, json({}))).status, 200);
      assert.equal(srv.services.asked.at(-1)?.userId, cy.id);
      const res = await call('Ada', '/v1/chat/completions', json({ model: 'docent', messages: [{ role: 'user', content: 'When does the library close?' }] }));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(srv.services.asked.at(-1)?.userId, ada.id);
      // The MCP server's ask tool: the chat it starts is the token's user's.
      const mcp = new Client({ name: 'docent-test', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.cy}` } } }));
      try {
        const r = await callTool(mcp, 'ask', { question: 'Who winds the clock?' });
        assert.equal(r.isError, undefined, textOf(r));
        const { chatId } = r.structuredContent as { chatId: string };
        assert.equal(srv.services.asked.at(-1)?.userId, cy.id);
        assert.equal((await call('cy', `/api/chats/${chatId}`)).status, 200);
        assert.equal((await call('bob', `/api/chats/${chatId}`)).status, 404);
      } finally {
        await mcp.close();
      }
    } finally {
      await call('cy', '/api/chats?confirm=delete-all', { method: 'DELETE' });
    }
  });
});

describe('chats from before sign-in', () => {
  void test('belong to the first admin only', async () => {
    srv.services.chats.create({ id: 'old-chat', question: 'From single-user days', settings: DEFAULT_SETTINGS }, 1);
    assert.equal((await call('Ada', '/api/chats/old-chat')).status, 200);
    assert.equal((await call('bob', '/api/chats/old-chat')).status, 404);
    const later = await accounts.addUser('Zed', 'admin', 'zed-password');
    assert.equal((await fetch(`${srv.url}/api/chats/old-chat`, as('x', { headers: { authorization: `Bearer ${accounts.createToken(later.id, 't').token}` } }))).status, 404, 'not a later admin');
    const ids = ((await (await call('Ada', '/api/chats')).json()) as { chats: Array<{ id: string }> }).chats.map((c) => c.id);
    assert.ok(ids.includes('old-chat'));
    srv.services.chats.delete('old-chat');
    accounts.removeUser('Zed');
  });
});

describe('export and delete-all', () => {
  let cyChat: { chatId: string; answerId: string };
  let bobChat: { chatId: string; answerId: string };
  before(async () => {
    cyChat = await ask('cy', 'Where is the log kept?');
    bobChat = await ask('bob', 'Who lights the lamps?');
  });

  void test('Markdown: every chat of the user with each answer and its sources (document, page or section, passage)', async () => {
    const res = await call('cy', '/api/chats/export?format=md');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="docent-chats-\d{4}-\d\d-\d\d\.md"/);
    const md = await res.text();
    assert.match(md, /^# Where is the log kept\?$/m);
    assert.match(md, /^At 6 pm \[1\]\.$/m, 'the answer');
    assert.match(md, /^1\. \*\*handbook\.pdf\*\* \(page 2\)$/m);
    assert.match(md, /^ {3}> The lighthouse keeper feeds the cat at 6 pm\.$/m);
    assert.match(md, /^2\. \*\*handbook\.pdf\*\* \(section "Duties > Evening"\)$/m);
    assert.match(md, /^ {3}> Lamps are lit at dusk\.\n {3}> The log is kept\.$/m, 'a passage of several lines stays quoted');
    assert.doesNotMatch(md, /Who lights the lamps|When is the cat fed/, 'no one else\'s chats');
  });

  void test('JSON: the same, structured', async () => {
    const res = await call('cy', '/api/chats/export?format=json');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /\.json"/);
    const body = (await res.json()) as { format: string; chats: Array<{ id: string; title: string; turns: Array<{ question: string; answer: string; sources: Array<Record<string, unknown>> }> }> };
    assert.equal(body.format, 'docent-chats');
    assert.deepEqual(body.chats.map((c) => c.id), [cyChat.chatId]);
    const turn = body.chats[0]!.turns[0]!;
    assert.equal(turn.question, 'Where is the log kept?');
    assert.equal(turn.answer, 'At 6 pm [1].');
    assert.deepEqual(turn.sources.map((s) => [s.document, s.page, s.section, s.passage]), [
      ['handbook.pdf', 2, null, FAKE_SOURCE.text],
      ['handbook.pdf', null, 'Duties > Evening', SECTION_SOURCE.text],
    ]);
    assert.equal((await call('cy', '/api/chats/export?format=pdf')).status, 400);
  });

  void test('the Settings page offers both downloads and delete-all; delete-all wants a confirmation and deletes only one\'s own', async () => {
    const cookie = await pageCookie('cy', 'cy-password');
    const settings = await (await fetch(`${srv.url}/settings`, { headers: { cookie } })).text();
    assert.match(settings, /href="\/api\/chats\/export\?format=md"/);
    assert.match(settings, /href="\/api\/chats\/export\?format=json"/);
    assert.match(settings, /hx-post="\/settings\/chats\/delete"[^>]*\n?\s*hx-confirm=/);
    const unconfirmed = await call('cy', '/api/chats', { method: 'DELETE' });
    assert.equal(unconfirmed.status, 400);
    assert.match(await unconfirmed.text(), /confirm=delete-all/);
    assert.equal((await call('cy', `/api/chats/${cyChat.chatId}`)).status, 200, 'nothing deleted');
    // The page's form, as the browser sends it (request token and all).
    const session = await fetch(`${srv.url}/api/session`, { headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    const browserCookie = `${cookie}; ${session.headers.getSetCookie().find((c) => c.startsWith('docent_session='))!.split(';')[0]}`;
    const { csrfToken } = (await session.json()) as { csrfToken: string };
    const form = await fetch(`${srv.url}/settings/chats/delete`, {
      method: 'POST',
      headers: { cookie: browserCookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'same-origin', 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=delete-all',
    });
    assert.equal(form.status, 200, await form.clone().text());
    assert.equal(await form.text(), 'Deleted 1 chat.');
    assert.equal((await call('cy', `/api/chats/${cyChat.chatId}`)).status, 404);
    assert.equal((await call('bob', `/api/chats/${bobChat.chatId}`)).status, 200, 'bob\'s chats stay');
    const again = (await (await call('bob', '/api/chats?confirm=delete-all', { method: 'DELETE' })).json()) as { deleted: number };
    assert.equal(again.deleted, 2);
    assert.equal(((await (await call('Ada', '/api/chats')).json()) as { chats: unknown[] }).chats.length, 0);
  });
});
