/**
 * Sign-in on the real web app (fake services, real account store): the gate on pages and API,
 * /login (rotated cookie, one message for a wrong name or password, throttling with 429 +
 * Retry-After that ends), /logout and user removal ending sessions, idle expiry on an injected
 * clock, personal API tokens (Settings page, bearer, revoked, the CLI client), `next` kept on this
 * site, and single-user mode (no users, or AUTH=off) unchanged.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { ServiceClient } from '../../src/cli/service-client.ts';
import { safeNext } from '../../src/web/auth/safe-next.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const clock = { t: Date.UTC(2026, 0, 1) };
const IDLE_MS = 60 * 60_000;
let accounts: Accounts;
let srv: TestServer;

before(async () => {
  accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: IDLE_MS, sessionMaxMs: 7 * 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 } });
  srv = await startTestServer({}, new FakeServices(), pino({ level: 'silent' }), accounts);
});
after(async () => {
  await srv.close();
  accounts.close();
});

const req = (p: string, init: RequestInit = {}): Promise<Response> => fetch(srv.url + p, { redirect: 'manual', ...init });
const cookieOf = (res: Response, name: string): string | undefined =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0];
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

/** Signs in as a program would (no browser headers): the response and the sign-in cookie. */
async function signIn(name: string, password: string, next = '/', cookie?: string): Promise<{ res: Response; cookie: string | undefined }> {
  const init = form({ name, password, next });
  if (cookie) init.headers = { ...(init.headers as Record<string, string>), cookie };
  const res = await req('/login', init);
  return { res, cookie: cookieOf(res, 'docent_auth') };
}

/** The page's request token for a browser holding `authCookie` (GET /api/session). */
async function browser(authCookie: string): Promise<Record<string, string>> {
  const res = await req('/api/session', { headers: { cookie: authCookie, 'sec-fetch-site': 'same-origin' } });
  const session = cookieOf(res, 'docent_session')!;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: `${authCookie}; ${session}`, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'same-origin', 'hx-request': 'true' };
}

describe('with no users', () => {
  void test('pages and API work as before (single-user); /login goes home', async () => {
    assert.equal(accounts.hasUsers(), false);
    assert.equal((await req('/')).status, 200);
    assert.equal((await req('/api/documents')).status, 200);
    const login = await req('/login');
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/');
    assert.doesNotMatch(await (await req('/documents')).text(), /Sign out/);
  });
});

describe('with users', () => {
  before(async () => {
    await accounts.addUser('Ada', 'admin', 'ada-password');
    await accounts.addUser('bob', 'member', 'bob-password');
  });
  beforeEach(() => {
    clock.t += 86_400_000; // a day later: earlier tests' throttling forgotten
  });

  void test('a page without sign-in is sent to /login with where it was going; the API answers 401 JSON', async () => {
    const home = await req('/');
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/login');
    const docs = await req('/documents?status=ready');
    assert.equal(docs.headers.get('location'), `/login?next=${encodeURIComponent('/documents?status=ready')}`);
    for (const p of ['/api/documents', '/api/search?q=x', '/v1/models']) {
      const api = await req(p);
      assert.equal(api.status, 401, p);
      assert.match(api.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await api.json()) as { error: string | { message: string } };
      assert.match(typeof body.error === 'string' ? body.error : body.error.message, /Sign in first/);
    }
    const htmx = await req('/collections/list', { headers: { 'hx-request': 'true', 'hx-current-url': `${srv.url}/collections` } });
    assert.equal(htmx.status, 401);
    assert.equal(htmx.headers.get('hx-redirect'), '/login?next=%2Fcollections');
    for (const open of ['/healthz', '/static/app.css', '/login', '/api/session']) assert.equal((await req(open)).status, 200, open);
  });

  void test('the sign-in page is a form with local scripts only and escapes next', async () => {
    const page = await (await req('/login?next=%2Fdocuments%3Fa%3D%22%3E%3Cscript%3E')).text();
    assert.match(page, /<form class="login-form"[^>]*hx-post="\/login"/);
    assert.match(page, /type="password"/);
    assert.ok(!page.includes('"><script>'), 'next is escaped');
    for (const s of page.matchAll(/<script([^>]*)>/g)) assert.match(s[1] ?? '', /src="\/static\//);
  });

  void test('signing in sets a new HttpOnly SameSite=Lax cookie, ends the one brought along, and opens the pages', async () => {
    const first = await signIn('ada', 'ada-password', '/documents');
    assert.equal(first.res.status, 303);
    assert.equal(first.res.headers.get('location'), '/documents');
    assert.match(first.res.headers.getSetCookie().join('\n'), /docent_auth=[\w-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax/);
    assert.equal((await signIn('ADA', 'ada-password', '/', first.cookie)).res.status, 403, 'a request with the cookie is a browser: it needs the token');
    const again = await req('/login', { ...form({ name: 'ADA', password: 'ada-password' }), headers: { ...(await browser(first.cookie!)), 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(again.status, 200);
    const second = { cookie: cookieOf(again, 'docent_auth') };
    assert.ok(second.cookie && second.cookie !== first.cookie, 'rotated');
    assert.equal((await req('/', { headers: { cookie: first.cookie! } })).status, 303, 'the earlier session ended');
    const home = await req('/', { headers: { cookie: second.cookie } });
    assert.equal(home.status, 200);
    const text = await home.text();
    assert.match(text, /class="account-name"[^>]*>Ada</);
    assert.match(text, /hx-post="\/logout"[^>]*>Sign out/);
    assert.equal((await req('/api/documents', { headers: { cookie: second.cookie } })).status, 200);
  });

  void test('from the page (htmx): the request token is required, and success answers HX-Redirect', async () => {
    const refused = await req('/login', { ...form({ name: 'ada', password: 'ada-password' }), headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } });
    assert.equal(refused.status, 403, 'the cross-site guard applies to the sign-in form');
    const s = await req('/api/session', { headers: { 'sec-fetch-site': 'same-origin' } });
    const session = cookieOf(s, 'docent_session')!;
    const { csrfToken } = (await s.json()) as { csrfToken: string };
    const ok = await req('/login', {
      ...form({ name: 'ada', password: 'ada-password', next: '/analytics' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', 'hx-request': 'true', cookie: session, 'x-csrf-token': csrfToken },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('hx-redirect'), '/analytics');
    assert.ok(cookieOf(ok, 'docent_auth'));
  });

  void test('a wrong password and an unknown name get one message; 5 failures answer 429 + Retry-After, which ends', async () => {
    const wrong = await signIn('ada', 'not-her-password');
    const unknown = await signIn('nobody', 'ada-password');
    assert.equal(wrong.res.status, 401);
    assert.equal(unknown.res.status, 401);
    const a = (await wrong.res.text()).replace(/data-status="\d+"/, '');
    assert.match(a, /Wrong name or password\./);
    assert.equal(a, (await unknown.res.text()).replace(/data-status="\d+"/, ''));
    assert.equal(wrong.cookie, undefined);
    for (let i = 0; i < 4; i++) assert.equal((await signIn('ada', 'guess-' + i)).res.status, 401);
    const locked = await signIn('ada', 'ada-password');
    assert.equal(locked.res.status, 429, 'even the right password waits');
    assert.equal(locked.res.headers.get('retry-after'), '30');
    assert.match(await locked.res.text(), /Too many failed sign-ins\. Try again in 30 seconds\./);
    clock.t += 31_000;
    assert.equal((await signIn('ada', 'ada-password')).res.status, 303, 'not locked forever');
  });

  void test('signing out, a password reset and removing the user end sessions', async () => {
    const out = (await signIn('bob', 'bob-password')).cookie!;
    const res = await req('/logout', { method: 'POST', headers: await browser(out) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('hx-redirect'), '/login');
    assert.match(res.headers.getSetCookie().join('\n'), /docent_auth=; Path=\/; Max-Age=0/);
    assert.equal((await req('/', { headers: { cookie: out } })).status, 303);

    const reset = (await signIn('bob', 'bob-password')).cookie!;
    await accounts.resetPassword('bob', 'bob-password-2');
    assert.equal((await req('/api/documents', { headers: { cookie: reset } })).status, 401);

    await accounts.addUser('carol', 'member', 'carol-password');
    const carol = (await signIn('carol', 'carol-password')).cookie!;
    assert.equal((await req('/', { headers: { cookie: carol } })).status, 200);
    accounts.removeUser('carol');
    assert.equal((await req('/', { headers: { cookie: carol } })).status, 303);
  });

  void test('a session idle longer than SESSION_IDLE_MINUTES ends; one in use stays', async () => {
    const cookie = (await signIn('ada', 'ada-password')).cookie!;
    clock.t += IDLE_MS - 60_000;
    assert.equal((await req('/', { headers: { cookie } })).status, 200);
    clock.t += IDLE_MS - 60_000;
    assert.equal((await req('/', { headers: { cookie } })).status, 200, 'the last request renewed it');
    clock.t += IDLE_MS + 1;
    assert.equal((await req('/', { headers: { cookie } })).status, 303);
  });

  void test('a personal API token from Settings works as a bearer on the API (and the CLI client), not on pages; revoked, it does not', async () => {
    const cookie = (await signIn('ada', 'ada-password')).cookie!;
    const settings = await req('/settings', { headers: { cookie } });
    assert.equal(settings.status, 200);
    assert.match(await settings.text(), /No tokens yet/);
    const headers = await browser(cookie);
    const made = await req('/settings/tokens', { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'label=%3Cb%3Elaptop' });
    assert.equal(made.status, 200);
    const html = await made.text();
    const token = /dct_[\w-]{43}/.exec(html)?.[0];
    assert.ok(token, html);
    assert.ok(html.includes('&lt;b&gt;laptop') && !html.includes('<b>laptop'), 'label escaped');
    const id = /data-id="([^"]+)"/.exec(html)?.[1];
    assert.ok(!(await (await req('/settings', { headers: { cookie } })).text()).includes(token), 'shown once');

    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await req('/api/documents', { headers: bearer })).status, 200);
    assert.equal((await req('/v1/models', { headers: bearer })).status, 200);
    assert.equal((await req('/', { headers: bearer })).status, 303, 'pages need the sign-in cookie');
    const client = new ServiceClient(srv.url, token);
    assert.deepEqual((await client.search('anything', 3)).results.length >= 0, true);
    await assert.rejects(new ServiceClient(srv.url).search('anything', 3), /401: Sign in first.*DOCENT_TOKEN/);

    assert.equal((await req(`/settings/tokens/${id}`, { method: 'DELETE', headers })).status, 200);
    const revoked = await req('/api/documents', { headers: bearer });
    assert.equal(revoked.status, 401);
    assert.match(((await revoked.json()) as { error: string }).error, /not valid/);
    assert.equal((await req('/api/documents', { headers: { authorization: 'Bearer dct_made-up' } })).status, 401);
  });

  void test('next is a path on this site only: other sites, scheme-relative and backslash tricks go home', async () => {
    for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', '/\t/evil.example', ' //evil.example', 'http:/evil.example']) {
      const { res } = await signIn('ada', 'ada-password', next);
      assert.equal(res.headers.get('location'), '/', JSON.stringify(next));
    }
    assert.equal((await signIn('ada', 'ada-password', '/chat/abc?x=1#t')).res.headers.get('location'), '/chat/abc?x=1#t');
    assert.equal(safeNext('/login?next=//evil.example'), '/');
    assert.equal(safeNext('/%2F%2Fevil.example'), '/%2F%2Fevil.example', 'an encoded slash stays a path');
    const page = await (await req('/login?next=%2F%2Fevil.example')).text();
    assert.match(page, /name="next" value="\/"/);
  });

  void test('AUTH=off serves everyone although users exist', async () => {
    const off = await startTestServer({ AUTH: 'off' }, new FakeServices(), pino({ level: 'silent' }), accounts);
    try {
      assert.equal((await fetch(`${off.url}/`, { redirect: 'manual' })).status, 200);
      assert.equal((await fetch(`${off.url}/api/documents`)).status, 200);
    } finally {
      await off.close();
    }
  });
});
