/**
 * Single sign-on against a real OpenID provider (oidc-provider, in this process:
 * tests/support/oidc-test-provider.ts) and the real web app with a real account store: the full
 * authorization code flow with PKCE ends in a Docent session; the user is created on the first
 * sign-in with the default role (admin through OIDC_ADMIN_GROUPS), found again by (issuer, subject)
 * on the next, never by name or e-mail; a tampered state, an expired or foreign sign-in, a declined
 * consent and an unreachable provider each show the sign-in page with what to do; a single sign-on
 * user has no password; the OIDC_* settings are checked at start.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { decideAuthMode } from '../../src/accounts/auth-mode.ts';
import { OidcClient } from '../../src/accounts/oidc/oidc-client.ts';
import { parseConfig } from '../../src/config.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { listenProvider, ProviderBrowser, type TestProvider } from '../support/oidc-test-provider.ts';

const silent = pino({ level: 'silent' });
const CLIENT = { clientId: 'docent', clientSecret: 'docent-test-client-secret' };
const PEOPLE: Record<string, Record<string, unknown>> = {
  'sub-alice': { preferred_username: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell' },
  'sub-impostor': { preferred_username: 'ada', email: 'ada@example.com', name: 'Not Ada' },
  'sub-boss': { email: 'the boss@example.com', groups: ['staff', 'docent-admins'] },
};

let accounts: Accounts;
let srv: TestServer;
let provider: TestProvider;

const newAccounts = (): Accounts => new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, scrypt: { logN: 10, r: 8, p: 1 } });
const oidcSettings = (issuer: string) =>
  parseConfig({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret, OIDC_PROVIDER_NAME: 'Test IdP', OIDC_ADMIN_GROUPS: 'docent-admins' }).auth.oidc!;

before(async () => {
  const listening = await listenProvider();
  accounts = newAccounts();
  await accounts.addUser('ada', 'admin', 'ada-password');
  srv = await startTestServer({}, new FakeServices(), silent, accounts, undefined, new OidcClient(oidcSettings(listening.issuer), silent));
  provider = listening.serve({ ...CLIENT, redirectUri: `${srv.url}/auth/oidc/callback`, accounts: PEOPLE });
});
after(async () => {
  await srv.close();
  await provider.close();
  accounts.close();
});

const req = (p: string, init: RequestInit = {}): Promise<Response> => fetch(new URL(p, srv.url), { redirect: 'manual', ...init });
const cookieOf = (res: Response, name: string): string | undefined => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0];

/** Starts a sign-in at Docent and walks the provider as `account`: the callback URL and the pre-sign-in cookie. */
async function toCallback(account: string, next = '/', decline = false): Promise<{ callback: URL; preAuth: string }> {
  const start = await req(`/auth/oidc/start?next=${encodeURIComponent(next)}`);
  assert.equal(start.status, 303);
  const preAuth = cookieOf(start, 'docent_oidc');
  assert.ok(preAuth, 'a pre-sign-in cookie');
  const authorize = new URL(start.headers.get('location')!);
  assert.equal(authorize.origin, provider.issuer);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  const callback = await new ProviderBrowser(provider.issuer).authorize(authorize.href, account, decline);
  assert.equal(callback.origin + callback.pathname, `${srv.url}/auth/oidc/callback`);
  return { callback, preAuth };
}

/** A whole sign-in: the callback's response and the Docent sign-in cookie it set. */
async function ssoSignIn(account: string, next = '/'): Promise<{ res: Response; auth: string | undefined }> {
  const { callback, preAuth } = await toCallback(account, next);
  const res = await req(callback.href, { headers: { cookie: preAuth } });
  return { res, auth: cookieOf(res, 'docent_auth') };
}

describe('single sign-on through a real OpenID provider', () => {
  void test('the sign-in page offers the provider; pages need sign-in', async () => {
    assert.equal((await req('/')).status, 303);
    const page = await (await req('/login?next=/documents')).text();
    assert.match(page, /href="\/auth\/oidc\/start\?next=%2Fdocuments">Sign in with Test IdP</);
  });

  void test('the code flow with PKCE signs in: a new member, a Docent session, back to `next`', async () => {
    const before = accounts.listUsers().length;
    const { res, auth } = await ssoSignIn('sub-alice', '/documents');
    assert.equal(res.status, 303, await res.text());
    assert.equal(res.headers.get('location'), '/documents');
    assert.match(auth ?? '', /^docent_auth=[A-Za-z0-9_-]{43}$/);
    assert.match(res.headers.getSetCookie().join('\n'), /docent_oidc=; Path=\/auth\/oidc; Max-Age=0/);
    const settings = await req('/settings', { headers: { cookie: auth! } });
    assert.equal(settings.status, 200);
    assert.match(await settings.text(), /Signed in as <strong>alice<\/strong> \(member\)/);
    assert.equal(accounts.listUsers().length, before + 1);
    assert.equal(accounts.listUsers().find((u) => u.name === 'alice')?.role, 'member');
  });

  void test('a second sign-in finds the same user (by issuer and subject) with a new session', async () => {
    const alice = accounts.listUsers().find((u) => u.name === 'alice')!;
    const count = accounts.listUsers().length;
    const first = await ssoSignIn('sub-alice');
    const second = await ssoSignIn('sub-alice');
    assert.equal(accounts.listUsers().length, count);
    assert.notEqual(first.auth, second.auth);
    assert.equal(accounts.sessionUser(second.auth!.split('=')[1]!)?.id, alice.id);
  });

  void test('a provider user named like a password user gets a name of their own, never that account', async () => {
    const ada = accounts.listUsers().find((u) => u.name === 'ada')!;
    const { res, auth } = await ssoSignIn('sub-impostor');
    assert.equal(res.status, 303);
    const user = accounts.sessionUser(auth!.split('=')[1]!)!;
    assert.notEqual(user.id, ada.id);
    assert.equal(user.name, 'ada-2');
    assert.equal(user.role, 'member');
  });

  void test('a member of an OIDC_ADMIN_GROUPS group starts as an admin', async () => {
    const { auth } = await ssoSignIn('sub-boss');
    const user = accounts.sessionUser(auth!.split('=')[1]!)!;
    assert.equal(user.name, 'the.boss');
    assert.equal(user.role, 'admin');
  });

  void test('a tampered state is refused: the sign-in page says to start again, no session', async () => {
    const count = accounts.listUsers().length;
    const { callback, preAuth } = await toCallback('sub-alice');
    callback.searchParams.set('state', callback.searchParams.get('state')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
    const res = await req(callback.href, { headers: { cookie: preAuth } });
    assert.equal(res.status, 400);
    assert.equal(cookieOf(res, 'docent_auth'), undefined);
    assert.match(await res.text(), /could not be verified .*Start again/s);
    assert.equal(accounts.listUsers().length, count);
  });

  void test('a callback without its pre-sign-in cookie (another browser), or used twice, is refused', async () => {
    const { callback, preAuth } = await toCallback('sub-alice');
    const foreign = await req(callback.href);
    assert.equal(foreign.status, 400);
    assert.match(await foreign.text(), /expired or was started in another browser/);
    assert.equal((await req(callback.href, { headers: { cookie: preAuth } })).status, 303);
    const replay = await req(callback.href, { headers: { cookie: preAuth } });
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /expired or was started in another browser/, 'the pending sign-in is taken once');
    assert.equal(cookieOf(replay, 'docent_auth'), undefined);
  });

  void test('declining at the provider shows the sign-in page with what to do', async () => {
    const { callback, preAuth } = await toCallback('sub-alice', '/', true);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    const res = await req(callback.href, { headers: { cookie: preAuth } });
    assert.equal(res.status, 403);
    assert.match(await res.text(), /Test IdP did not sign you in \(End-User aborted interaction\)\. To use Docent, sign in again/);
  });

  void test('password sign-in is refused for a single sign-on user, with the way to sign in', async () => {
    const res = await req('/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=alice&password=whatever-password' });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /no Docent password: it signs in with Test IdP/);
    assert.equal(cookieOf(res, 'docent_auth'), undefined);
  });

  void test('an admin can change the role of a single sign-on user and remove them', async () => {
    assert.equal(accounts.setRole('alice', 'admin').role, 'admin');
    const { auth } = await ssoSignIn('sub-alice');
    assert.equal(accounts.sessionUser(auth!.split('=')[1]!)?.role, 'admin', 'a later sign-in keeps the role set in Docent');
    accounts.removeUser('alice');
    assert.equal(accounts.sessionUser(auth!.split('=')[1]!), undefined);
  });
});

describe('single sign-on with the provider down', () => {
  void test('the web serves; starting a sign-in says the provider cannot be reached (503)', async () => {
    const down = newAccounts();
    const closed = await listenProvider().then(async (l) => (await l.serve({ ...CLIENT, redirectUri: 'http://127.0.0.1/x', accounts: {} }).close(), l.issuer));
    const s = await startTestServer({}, new FakeServices(), silent, down, undefined, new OidcClient(oidcSettings(closed), silent));
    try {
      const res = await fetch(`${s.url}/auth/oidc/start`, { redirect: 'manual' });
      assert.equal(res.status, 503);
      assert.match(await res.text(), /Test IdP cannot be reached just now.*sign in with a Docent password/s);
      assert.equal((await fetch(`${s.url}/login`, { redirect: 'manual' })).status, 200);
    } finally {
      await s.close();
      down.close();
    }
  });
});

describe('OIDC settings', () => {
  const bad = (env: Record<string, string>, pattern: RegExp) => assert.throws(() => parseConfig(env), pattern);
  void test('issuer and client id come together; https unless loopback; openid scope; the callback path', () => {
    bad({ OIDC_ISSUER: 'https://id.example.com' }, /OIDC_CLIENT_ID: set it with OIDC_ISSUER/);
    bad({ OIDC_CLIENT_ID: 'docent' }, /OIDC_ISSUER: set it with OIDC_CLIENT_ID/);
    bad({ OIDC_ISSUER: 'http://id.example.com', OIDC_CLIENT_ID: 'd' }, /OIDC_ISSUER: must be an https:\/\/ URL/);
    bad({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'd', OIDC_SCOPES: 'profile email' }, /OIDC_SCOPES: must include "openid"/);
    bad({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'd', OIDC_REDIRECT_URL: 'https://docent.example.com/cb' }, /OIDC_REDIRECT_URL: must end in \/auth\/oidc\/callback/);
    const ok = parseConfig({ OIDC_ISSUER: 'https://id.example.com/realms/team', OIDC_CLIENT_ID: 'd' }).auth.oidc!;
    assert.deepEqual([ok.providerName, ok.defaultRole, ok.scopes, ok.clientSecret], ['id.example.com', 'member', 'openid profile email', undefined]);
    assert.equal(parseConfig({}).auth.oidc, undefined);
  });
});

describe('single sign-on and the modes and tools around it', () => {
  void test('with single sign-on configured, a non-loopback HOST starts with sign-in even before any user exists', () => {
    assert.throws(() => decideAuthMode('auto', false, '0.0.0.0'), /OIDC_ISSUER/);
    assert.equal(decideAuthMode('auto', false, '0.0.0.0', true), 'sign-in');
    assert.equal(decideAuthMode('off', false, '0.0.0.0', true), 'off');
  });

  void test('`npm run users -- role` makes a single sign-on user the admin; reset-password is refused for them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-oidc-cli-'));
    const a = new Accounts(new AccountStore(path.join(dir, 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
    try {
      a.signInExternal('https://id.example.com', 'sub-1', () => ['carol'], 'member');
      const run = (args: string[], input = '') =>
        spawnSync(process.execPath, ['--import', 'tsx', 'src/bin/users.ts', ...args], { input, encoding: 'utf8', env: { ...process.env, DATA_DIR: dir } });
      const role = run(['role', 'carol', 'admin']);
      assert.equal(role.status, 0, role.stderr);
      assert.match(role.stdout, /"carol" is now an admin/);
      assert.equal(a.listUsers()[0]?.role, 'admin');
      assert.equal(run(['role', 'carol', 'owner']).status, 2, 'usage');
      const reset = run(['reset-password', 'carol'], 'a-new-password\n');
      assert.equal(reset.status, 1);
      assert.match(reset.stderr, /signs in through single sign-on and has no Docent password/);
    } finally {
      a.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
