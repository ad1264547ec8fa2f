/**
 * Rates of questions and uploads on the real web app (fake services): every way of asking counts
 * against one allowance per address and per signed-in user, answered 429 + Retry-After with a
 * message that says the allowance and the wait (htmx gets it as an alert, /v1 in OpenAI's shape,
 * the MCP ask tool as a tool error with the same message);
 * uploads and URL imports count files per hour; a moved clock ends the window; two apps on one
 * store file (two web processes) share the counts. TRUST_PROXY decides the client address (and so
 * whose allowance a request spends) and the Secure flag of the sign-in cookie.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { parseConfig } from '../../src/config.ts';
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.ts';
import { createWebApp } from '../../src/web/app.ts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createHttpBackend } from '../../src/mcp/http-backend.ts';
import { createDocentMcpServer } from '../../src/mcp/mcp-server.ts';
import { FakeServices } from '../support/fake-services.ts';
import { listen } from '../support/http-app.ts';
import { callTool, connectHttp, textOf } from '../support/mcp-clients.ts';

const clock = { t: Date.UTC(2026, 0, 1) };
const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function start(env: Record<string, string>, opts: { accounts?: Accounts; store?: RateLimitStore } = {}): Promise<string> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rates-web-'));
  const config = parseConfig({ DATA_DIR: dataDir, VECTORSTORE_DIR: path.join(dataDir, 'vs'), ...env });
  const services = new FakeServices();
  services.uploadsDir = config.paths.uploads;
  const app = createWebApp({ services, config, logger: pino({ level: 'silent' }), now: () => clock.t, ...(opts.accounts ? { accounts: opts.accounts } : {}), ...(opts.store ? { rateLimits: opts.store } : {}) });
  const srv = await listen(app);
  cleanup.push(async () => {
    await srv.close();
    services.chats.close();
    services.registry.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  return srv.base;
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const ask = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/api/ask`, json({ question: 'q' }, headers));
const chat = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/v1/chat/completions`, json({ model: 'docent', messages: [{ role: 'user', content: 'q' }] }, headers));
function uploadForm(files: number): FormData {
  const form = new FormData();
  for (let i = 0; i < files; i++) form.append('file', new Blob([`text ${i} ${Math.random()}`]), `f${i}.txt`);
  return form;
}

void test('questions per address: /api/ask and /v1 share the allowance; the next is 429 + Retry-After until the minute ends', async () => {
  const base = await start({ RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '3' });
  const first = await ask(base);
  assert.equal(first.status, 200);
  const answerId = first.headers.get('docent-answer-id')!;
  assert.equal((await chat(base)).status, 200);
  clock.t += 10_000;
  assert.equal((await ask(base)).status, 200);
  const refused = await ask(base);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '50');
  assert.deepEqual(await refused.json(), { error: 'Too many questions: at most 3 per minute from your address. Try again in 50 seconds.' });
  const openai = await chat(base);
  assert.equal(openai.status, 429);
  const body = (await openai.json()) as { error: { message: string; code: string } };
  assert.match(body.error.message, /^Too many questions: at most 3 per minute/);
  assert.equal(body.error.code, 'rate_limit_exceeded');
  assert.equal((await fetch(`${base}/api/answers/${answerId}/regenerate`, json({}))).status, 429, 'regenerating is asking too');
  clock.t += 50_000;
  assert.equal((await ask(base)).status, 200, 'a new minute');
});

void test('regenerating an unknown answer (or another\'s) is a 404 that spends nothing; a real regeneration counts', async () => {
  const accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 } });
  cleanup.push(() => accounts.close());
  await accounts.addUser('ada', 'admin', 'ada-password');
  await accounts.addUser('bob', 'member', 'bob-password');
  const ada = { authorization: `Bearer ${accounts.createTokenFor('ada', 't').token}` };
  const bob = { authorization: `Bearer ${accounts.createTokenFor('bob', 't').token}` };
  const base = await start({ RATE_LIMIT_ASK_PER_MINUTE: '2', RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '100' }, { accounts });
  const adas = await ask(base, ada);
  assert.equal(adas.status, 200);
  const answerId = adas.headers.get('docent-answer-id')!;
  const regen = (id: string, who: Record<string, string>) => fetch(`${base}/api/answers/${id}/regenerate`, json({}, who));
  const regenInAsk = (id: string, who: Record<string, string>) => fetch(`${base}/api/ask`, json({ question: 'q', regenerate: id }, who));
  for (let i = 0; i < 3; i++) {
    const none = await regen('no-such-answer', bob);
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /No answer with id "no-such-answer"/);
    assert.equal((await regenInAsk('no-such-answer', bob)).status, 404);
    assert.equal((await regen(answerId, bob)).status, 404, 'another\'s answer is the same 404');
    assert.equal((await regenInAsk(answerId, bob)).status, 404);
  }
  assert.equal((await ask(base, bob)).status, 200, 'bob\'s 404s spent none of his 2');
  assert.equal((await ask(base, bob)).status, 200);
  assert.equal((await ask(base, bob)).status, 429);
  const regenerated = await regen(answerId, ada);
  assert.equal(regenerated.status, 200, 'a real regeneration');
  const newId = regenerated.headers.get('docent-answer-id')!;
  assert.equal((await regenInAsk(newId, ada)).status, 429, 'counted: ada asked once and regenerated once');
  clock.t += 60_000;
});

void test('0 or off turns a limit off', async () => {
  const base = await start({ RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: 'off', RATE_LIMIT_UPLOADS_PER_HOUR_PER_ADDRESS: '0' });
  for (let i = 0; i < 130; i++) assert.equal((await ask(base)).status, 200);
});

void test('two apps on one store file (two web processes) count together', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rates-shared-'));
  const s1 = new RateLimitStore(path.join(dir, 'rate-limits.db'));
  const s2 = new RateLimitStore(path.join(dir, 'rate-limits.db'));
  cleanup.push(async () => {
    s1.close();
    s2.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const env = { RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '3' };
  const [a, b] = [await start(env, { store: s1 }), await start(env, { store: s2 })];
  assert.equal((await ask(a)).status, 200);
  assert.equal((await ask(a)).status, 200);
  assert.equal((await ask(b)).status, 200);
  assert.equal((await ask(b)).status, 429, 'the 4th, on the other app');
});

void test('per signed-in user: each account has its own allowance, and the address one still applies; htmx shows the message', async () => {
  const accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 } });
  cleanup.push(() => accounts.close());
  await accounts.addUser('ada', 'admin', 'ada-password');
  await accounts.addUser('bob', 'member', 'bob-password');
  await accounts.addUser('carol', 'member', 'carol-password');
  const carol = { authorization: `Bearer ${accounts.createTokenFor('carol', 't').token}` };
  const ada = { authorization: `Bearer ${accounts.createTokenFor('ada', 't').token}` };
  const bob = { authorization: `Bearer ${accounts.createTokenFor('bob', 't').token}` };
  const base = await start({ RATE_LIMIT_ASK_PER_MINUTE: '2', RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '5', RATE_LIMIT_UPLOADS_PER_HOUR: '3' }, { accounts });
  assert.equal((await ask(base, ada)).status, 200);
  assert.equal((await ask(base, ada)).status, 200);
  const refused = await ask(base, ada);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '60');
  assert.equal(((await refused.json()) as { error: string }).error, 'Too many questions: at most 2 per minute for your account. Try again in 60 seconds.');
  assert.equal((await ask(base, bob)).status, 200, 'another account');
  assert.equal((await ask(base, bob)).status, 200);
  assert.equal((await chat(base, bob)).status, 429);
  clock.t += 60_000;
  // The address allowance (5) is spent by two accounts together.
  for (const who of [ada, bob, ada, bob, carol]) assert.equal((await ask(base, who)).status, 200);
  const byAddress = await ask(base, carol);
  assert.equal(byAddress.status, 429);
  assert.match(((await byAddress.json()) as { error: string }).error, /at most 5 per minute from your address/);

  // Uploads: 3 files per hour for the account; a batch of 2, then 2 more go past it, then refused.
  const up = (files: number, headers: Record<string, string> = ada) => fetch(`${base}/api/documents`, { method: 'POST', headers, body: uploadForm(files) });
  assert.equal((await up(2)).status, 202);
  assert.equal((await up(2)).status, 202, 'one file was left: the batch is taken and counted whole');
  const full = await up(1);
  assert.equal(full.status, 429);
  assert.equal(full.headers.get('retry-after'), '3600');
  assert.equal(((await full.json()) as { error: string }).error, 'Too many uploads: at most 3 files or pages per hour for your account. Try again in 60 minutes.');
  const url = await fetch(`${base}/api/documents/url`, json({ url: 'https://example.com/' }, ada));
  assert.equal(url.status, 429, 'a page imported by URL counts as an upload');
  assert.equal((await up(1, bob)).status, 202, 'another account');
  clock.t += 3_600_000;
  assert.equal((await up(1)).status, 202, 'an hour later');
});

void test('the page: an htmx upload over the allowance gets the message as an alert', async () => {
  const base = await start({ RATE_LIMIT_UPLOADS_PER_HOUR_PER_ADDRESS: '1' });
  const s = await fetch(`${base}/api/session`, { headers: { 'sec-fetch-site': 'same-origin' } });
  const cookie = s.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrfToken } = (await s.json()) as { csrfToken: string };
  const page = { cookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'same-origin', 'hx-request': 'true' };
  const up = () => fetch(`${base}/documents`, { method: 'POST', headers: page, body: uploadForm(1) });
  assert.equal((await up()).status, 200);
  const refused = await up();
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '3600');
  const html = await refused.text();
  assert.match(html, /alert/);
  assert.match(html, /Too many uploads: at most 1 files or pages per hour from your address\. Try again in 60 minutes\./);
});

void test('TRUST_PROXY: the forwarded address is the client (its own allowance); without it, X-Forwarded-For is ignored', async () => {
  const trusting = await start({ RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '1', TRUST_PROXY: 'loopback' });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  assert.equal((await ask(trusting, from('203.0.113.7'))).status, 200);
  assert.equal((await ask(trusting, from('203.0.113.7'))).status, 429);
  assert.equal((await ask(trusting, from('203.0.113.8'))).status, 200, 'another client behind the proxy');
  const hops = await start({ RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '1', TRUST_PROXY: '1' });
  assert.equal((await ask(hops, from('198.51.100.1, 203.0.113.7'))).status, 200);
  assert.equal((await ask(hops, from('198.51.100.2, 203.0.113.7'))).status, 429, 'one hop: the address the proxy saw, not what the client wrote');

  const plain = await start({ RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: '1' });
  assert.equal((await ask(plain, from('203.0.113.7'))).status, 200);
  assert.equal((await ask(plain, from('203.0.113.8'))).status, 429, 'a client cannot pick a fresh address by writing a header');
});

void test('TRUST_PROXY: the sign-in throttle counts the forwarded address, and the cookie is Secure when the proxy got HTTPS', async () => {
  const accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 } });
  cleanup.push(() => accounts.close());
  await accounts.addUser('ada', 'admin', 'ada-password');
  const signIn = (base: string, password: string, headers: Record<string, string>) =>
    fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ name: 'ada', password }).toString() });
  const trusting = await start({ TRUST_PROXY: 'loopback' }, { accounts });
  const https = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };
  const ok = await signIn(trusting, 'ada-password', https);
  assert.equal(ok.status, 303);
  assert.match(ok.headers.getSetCookie().find((c) => c.startsWith('docent_auth='))!, /; Secure$/);
  const overHttp = await signIn(trusting, 'ada-password', { 'x-forwarded-proto': 'http' });
  assert.doesNotMatch(overHttp.headers.getSetCookie().find((c) => c.startsWith('docent_auth='))!, /Secure/);
  for (let i = 0; i < 5; i++) assert.equal((await signIn(trusting, 'wrong-' + i, https)).status, 401);
  assert.equal((await signIn(trusting, 'ada-password', https)).status, 429, 'locked for that address');
  assert.equal((await signIn(trusting, 'ada-password', { 'x-forwarded-for': '203.0.113.10' })).status, 303, 'the owner elsewhere is not');

  const plain = await start({}, { accounts });
  const forged = await signIn(plain, 'ada-password', https);
  assert.equal(forged.status, 303);
  assert.doesNotMatch(forged.headers.getSetCookie().find((c) => c.startsWith('docent_auth='))!, /Secure/, 'X-Forwarded-Proto is not believed without TRUST_PROXY');
});

void test('TRUST_PROXY and RATE_LIMIT_* settings are checked at start-up', () => {
  assert.equal(parseConfig({}).web.trustProxy, false);
  assert.equal(parseConfig({ TRUST_PROXY: '2' }).web.trustProxy, 2);
  assert.deepEqual(parseConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).web.trustProxy, ['loopback', '10.0.0.0/8', '::1']);
  assert.throws(() => parseConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY: "true" would believe X-Forwarded-For from anyone/);
  assert.throws(() => parseConfig({ TRUST_PROXY: 'proxy.lan' }), /TRUST_PROXY: "proxy.lan" is not a hop count/);
  assert.throws(() => parseConfig({ TRUST_PROXY: '10.0.0.0/33' }), /TRUST_PROXY/);
  assert.deepEqual(parseConfig({}).rateLimits, { askPerMinute: 30, askPerMinutePerAddress: 120, uploadsPerHour: 200, uploadsPerHourPerAddress: 1000 });
  assert.equal(parseConfig({ RATE_LIMIT_ASK_PER_MINUTE: 'off' }).rateLimits.askPerMinute, 0);
  assert.throws(() => parseConfig({ RATE_LIMIT_ASK_PER_MINUTE: 'lots' }), /RATE_LIMIT_ASK_PER_MINUTE/);
});

void test('the MCP ask tool over the allowance: a tool error with the web\'s message and when to try again (POST /mcp and the stdio server, through the SDK client)', async () => {
  const accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 } });
  cleanup.push(() => accounts.close());
  await accounts.addUser('ada', 'admin', 'ada-password');
  const token = accounts.createTokenFor('ada', 't').token;
  const base = await start({ RATE_LIMIT_ASK_PER_MINUTE: '2' }, { accounts });
  const overHttp = await connectHttp(base, { authorization: `Bearer ${token}` });
  cleanup.push(() => overHttp.close());
  // The stdio server's tools over the JSON API (`npm run mcp`), here connected in memory.
  const stdioLike = new Client({ name: 'docent-test', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createDocentMcpServer(createHttpBackend(base, token)).connect(serverSide);
  await stdioLike.connect(clientSide);
  cleanup.push(() => stdioLike.close());

  assert.equal((await callTool(overHttp, 'ask', { question: 'q' })).isError, undefined);
  clock.t += 15_000;
  assert.equal((await callTool(stdioLike, 'ask', { question: 'q' })).isError, undefined);
  const message = 'Too many questions: at most 2 per minute for your account. Try again in 45 seconds.';
  for (const client of [overHttp, stdioLike]) {
    const refused = await callTool(client, 'ask', { question: 'q' });
    assert.equal(refused.isError, true, textOf(refused));
    assert.equal(textOf(refused), message);
    assert.deepEqual(refused.structuredContent, { error: message, retryAfterSeconds: 45 });
  }
  assert.equal((await ask(base, { authorization: `Bearer ${token}` })).status, 429, 'one allowance for every way of asking');
  clock.t += 45_000;
  assert.equal((await callTool(overHttp, 'ask', { question: 'q' })).isError, undefined, 'the first question left the minute');
});
