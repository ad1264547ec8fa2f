/**
 * Cross-site requests and DNS rebinding, at the HTTP level: the headers a browser sends for a page
 * on another origin (Sec-Fetch-Site, Origin), a foreign Host, form-encoded bodies on JSON routes, and
 * the per-session token. Programs that send none of the browser headers (the CLI, curl) still work.
 * The same attacks from a real Chromium page are in tests/e2e/cross-site.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { parseConfig } from '../../src/config.ts';
import { hostAllowed, hostName } from '../../src/shared/host-names.ts';
import { loadSessionSecret, SessionTokens } from '../../src/web/guards/session-token.ts';
import { startTestServer, type TestServer } from '../support/fake-services.ts';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

let srv: TestServer;
let port: number;

before(async () => {
  srv = await startTestServer();
  port = Number(new URL(srv.url).port);
});
after(() => srv.close());

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly the headers given (Host included), as a browser or attacker would send. */
function send(method: string, pathname: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_VOTE = JSON.stringify({ answerId: 'a1', vote: 'up' });
const json = { 'content-type': 'application/json' };

/** A browser session as Docent's own page has it: the cookie and the token from GET /api/session. */
async function session(): Promise<{ cookie: string; token: string }> {
  const res = await send('GET', '/api/session', { 'sec-fetch-site': 'same-origin' });
  assert.equal(res.status, 200);
  const setCookie = res.headers['set-cookie']?.[0] ?? '';
  assert.match(setCookie, /^docent_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
  return { cookie: setCookie.split(';')[0]!, token: (JSON.parse(res.body) as { csrfToken: string }).csrfToken };
}

void describe('Host header (DNS rebinding)', () => {
  void test('a foreign host name gets 421 naming ALLOWED_HOSTS, on pages and API alike; nothing is served', async () => {
    for (const [method, p] of [['GET', '/'], ['GET', '/api/documents'], ['GET', '/api/chats'], ['POST', '/api/votes'], ['GET', '/static/app.css']] as const) {
      const res = await send(method, p, { host: `attacker.example:${port}`, ...json }, method === 'POST' ? JSON_VOTE : undefined);
      assert.equal(res.status, 421, `${method} ${p}`);
      assert.match(res.body, /attacker\.example.*ALLOWED_HOSTS/);
    }
    assert.equal(srv.services.votesCast.length, 0);
  });

  void test('loopback names are served by default; ALLOWED_HOSTS lists others, "." for subdomains, "*" for any', async () => {
    for (const h of ['127.0.0.1', 'localhost', `localhost:${port}`, '[::1]:3000']) {
      assert.ok(hostAllowed(hostName(h), parseConfig({}).web.allowedHosts), h);
    }
    assert.equal((await send('GET', '/healthz', { host: `localhost:${port}` })).status, 200);
    const hosts = parseConfig({ ALLOWED_HOSTS: 'docent.example.com, .corp.example' }).web.allowedHosts;
    assert.ok(hostAllowed('docent.example.com', hosts));
    assert.ok(hostAllowed('a.corp.example', hosts));
    assert.ok(hostAllowed('corp.example', hosts));
    assert.ok(!hostAllowed('evilcorp.example', hosts));
    assert.ok(!hostAllowed('localhost', hosts));
    assert.deepEqual(parseConfig({ ALLOWED_HOSTS: '*' }).web.allowedHosts, []);
    assert.ok(parseConfig({ HOST: '10.0.0.5' }).web.allowedHosts.includes('10.0.0.5'));
    assert.ok(!parseConfig({ HOST: '0.0.0.0' }).web.allowedHosts.includes('0.0.0.0'));
    assert.throws(() => parseConfig({ ALLOWED_HOSTS: 'http://docent.example.com' }), /ALLOWED_HOSTS/);
    assert.throws(() => parseConfig({ ALLOWED_ORIGINS: 'docent.example.com' }), /ALLOWED_ORIGINS/);
    assert.throws(() => parseConfig({ SESSION_SECRET: 'short' }), /SESSION_SECRET/);
  });
});

void describe('cross-site requests', () => {
  void test('a request from another site or another port of this host is refused with 403, even with a valid session', async () => {
    const { cookie, token } = await session();
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:4444' },
      { origin: 'http://127.0.0.1:4444' },
      { origin: 'null' },
      { origin: 'http://attacker.example' },
    ];
    for (const headers of cases) {
      const res = await send('POST', '/api/votes', { ...headers, ...json, cookie, 'x-csrf-token': token }, JSON_VOTE);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.headers['docent-refused'], 'cross-site');
      assert.match(res.body, /came from another site/);
    }
    for (const [method, p] of [['POST', '/api/index/reindex'], ['DELETE', '/api/documents/d1'], ['DELETE', '/api/chats/c1'], ['POST', '/documents'], ['DELETE', '/documents/d1']] as const) {
      assert.equal((await send(method, p, { 'sec-fetch-site': 'cross-site' })).status, 403, `${method} ${p}`);
    }
    assert.equal(srv.services.votesCast.length, 0);
  });

  void test("a form post from another site is refused before the body is read (multipart upload, form vote, form question)", async () => {
    const boundary = 'x';
    const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="planted.txt"\r\nContent-Type: text/plain\r\n\r\nplanted\r\n--${boundary}--\r\n`;
    const upload = await send('POST', '/api/documents', { 'sec-fetch-site': 'cross-site', 'content-type': `multipart/form-data; boundary=${boundary}` }, multipart);
    assert.equal(upload.status, 403);
    const form = { 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await send('POST', '/api/votes', form, 'answerId=a1&vote=down')).status, 403);
    assert.equal((await send('POST', '/api/ask', form, 'question=hello')).status, 403);
    assert.equal(srv.services.uploads.length, 0);
    assert.equal(srv.services.votesCast.length, 0);
  });

  void test("the page's own requests pass with the session's token, and fail without it or with another session's", async () => {
    const { cookie, token } = await session();
    const other = await session();
    const page = { 'sec-fetch-site': 'same-origin', ...json };
    const ok = await send('POST', '/api/votes', { ...page, cookie, 'x-csrf-token': token }, JSON_VOTE);
    assert.equal(ok.status, 202, ok.body);
    // Origin alone (a browser without fetch metadata) works the same.
    assert.equal((await send('POST', '/api/votes', { origin: `http://127.0.0.1:${port}`, ...json, cookie, 'x-csrf-token': token }, JSON_VOTE)).status, 202);
    const wrong: Record<string, string>[] = [{ cookie }, { cookie, 'x-csrf-token': other.token }, { 'x-csrf-token': token }, { cookie: other.cookie, 'x-csrf-token': token }];
    for (const headers of wrong) {
      const res = await send('POST', '/api/votes', { ...page, ...headers }, JSON_VOTE);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.headers['docent-refused'], 'token');
      assert.match(res.body, /security token is missing or out of date\. Reload the page/);
    }
    assert.equal(srv.services.votesCast.length, 2);
  });

  void test('programs (no browser headers, no cookie) need no token; JSON routes still take JSON only', async () => {
    const before = srv.services.votesCast.length;
    assert.equal((await send('POST', '/api/votes', json, JSON_VOTE)).status, 202);
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await send('POST', '/api/votes', { 'content-type': type }, 'answerId=a1&vote=up');
      assert.equal(res.status, 415, type);
      assert.match(res.body, /Send this request as JSON/);
    }
    assert.equal(srv.services.votesCast.length, before + 1);
    // A request without a body is not judged by its Content-Type (clients send their JSON header on a DELETE too).
    const del = await send('DELETE', '/api/documents/no-such-document', json);
    assert.equal(del.status, 404, del.body);
  });

  void test('ALLOWED_ORIGINS admits a public origin a proxy rewrites the Host for', async () => {
    const proxied = await startTestServer({ ALLOWED_ORIGINS: 'https://docent.example.com' });
    try {
      const base = new URL(proxied.url);
      const post = (origin: string) =>
        fetch(`${proxied.url}/api/votes`, { method: 'POST', headers: { origin, ...json }, body: JSON_VOTE }).then((r) => r.status);
      // No cookie: the token layer asks for one, so the check stops there for a browser without a session.
      assert.equal(await post('https://elsewhere.example.com'), 403);
      const res = await fetch(`${proxied.url}/api/session`);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const { csrfToken } = (await res.json()) as { csrfToken: string };
      const status = await fetch(`${proxied.url}/api/votes`, { method: 'POST', headers: { origin: 'https://docent.example.com', cookie, 'x-csrf-token': csrfToken, ...json }, body: JSON_VOTE }).then((r) => r.status);
      assert.equal(status, 202, `from ${base.host}`);
    } finally {
      await proxied.close();
    }
  });
});

void describe('session secret', () => {
  void test('kept in DATA_DIR and shared by processes that start together; SESSION_SECRET wins', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-secret-'));
    try {
      const [a, b] = await Promise.all([loadSessionSecret(undefined, dir), loadSessionSecret(undefined, dir)]);
      assert.ok(a.equals(b));
      assert.equal((await fs.stat(path.join(dir, 'session-secret'))).mode & 0o777, 0o600);
      assert.ok((await loadSessionSecret(undefined, dir)).equals(a));
      const fixed = await loadSessionSecret('x'.repeat(40), dir);
      assert.equal(fixed.toString(), 'x'.repeat(40));
      const tokens = new SessionTokens(a);
      assert.ok(tokens.verify('s'.repeat(43), tokens.tokenFor('s'.repeat(43))));
      assert.ok(!new SessionTokens(fixed).verify('s'.repeat(43), tokens.tokenFor('s'.repeat(43))));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
