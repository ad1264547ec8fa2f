/**
 * Self sign-up on the real web app (fake services, real account store, an injected clock):
 * SIGNUP=off has no sign-up page (404); SIGNUP=invite: an admin makes an invite on the Admin page
 * (a plain form), the link opens the sign-up page, using it makes a member (rights of everyone
 * only) signed in at once, and the link then, an expired one, a revoked one and an unknown one are
 * each refused with why; a taken name or mistyped password does not use the invite up; the invites
 * list shows each one's status; `npm run users -- invite` prints a working link. SIGNUP=open: the
 * sign-in page links to the sign-up page, anyone makes a member, and one address is throttled
 * (429 + Retry-After) after 5 accounts. No users yet: no sign-up (the first user is an admin).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { runUsersCli } from '../../src/accounts/users-cli.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const clock = { t: Date.UTC(2026, 0, 1) };
const HOUR = 3_600_000;
const newAccounts = (): Accounts => new Accounts(new AccountStore(':memory:'), { sessionIdleMs: HOUR, sessionMaxMs: 7 * 86_400_000, now: () => clock.t, scrypt: { logN: 10, r: 8, p: 1 }, inviteTtlMs: 72 * HOUR });

interface Site {
  accounts: Accounts;
  srv: TestServer;
}
const sites: Site[] = [];
async function site(signup: string, withAdmin = true): Promise<Site> {
  const accounts = newAccounts();
  if (withAdmin) await accounts.addUser('ada', 'admin', 'ada-password');
  const srv = await startTestServer({ SIGNUP: signup }, new FakeServices(), pino({ level: 'silent' }), accounts);
  sites.push({ accounts, srv });
  return { accounts, srv };
}
after(async () => {
  for (const s of sites) {
    await s.srv.close();
    s.accounts.close();
  }
});

const get = (s: Site, p: string, cookie?: string): Promise<Response> => fetch(s.srv.url + p, { redirect: 'manual', headers: cookie ? { cookie } : {} });
/** A sign-up as a program posts it (no browser headers); `from` is the address the throttle sees (the loopback, here). */
const signUp = (s: Site, fields: Record<string, string>): Promise<Response> =>
  fetch(`${s.srv.url}/signup`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(fields).toString() });
const cookieOf = (res: Response): string | undefined => res.headers.getSetCookie().find((c) => c.startsWith('docent_auth='))?.split(';')[0];
const errorOf = async (res: Response): Promise<string> => ((await res.json()) as { error: string }).error;

/** The Admin page as a browser without JavaScript: a plain form post with the page's token. */
async function adminPost(s: Site, path: string, fields: Record<string, string>): Promise<{ status: number; text: string }> {
  const r = await s.accounts.signIn('ada', 'ada-password', '127.0.0.9');
  assert.ok(r.ok);
  const auth = `docent_auth=${r.sessionId}`;
  const page = await get(s, '/admin', auth);
  const token = /name="csrf_token" value="([^"]+)"/.exec(await page.text())![1]!;
  const session = page.headers.getSetCookie().find((c) => c.startsWith('docent_session='))!.split(';')[0]!;
  const res = await fetch(s.srv.url + path, {
    method: 'POST',
    headers: { cookie: `${auth}; ${session}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf_token: token, ...fields }).toString(),
  });
  return { status: res.status, text: await res.text() };
}
const unescape = (t: string): string => t.replace(/&amp;/g, '&');
const linkIn = (page: string): string => unescape(/class="invite-link" type="text" readonly value="([^"]+)"/.exec(page)![1]!);
const pathOf = (link: string): string => new URL(link).pathname + new URL(link).search;
const secretOf = (link: string): string => new URL(link).searchParams.get('invite')!;

describe('SIGNUP=off (the default)', () => {
  void test('there is no sign-up page, and the sign-in page says to ask an admin', async () => {
    const s = await site('off');
    assert.equal((await get(s, '/signup')).status, 404);
    assert.equal((await signUp(s, { name: 'eve', password: 'eve-password', repeat: 'eve-password' })).status, 404);
    assert.equal(s.accounts.listUsers().length, 1);
    assert.match(await (await get(s, '/login')).text(), /Ask an admin/);
    assert.match((await adminPost(s, '/admin/invites', { label: 'x' })).text, /Invites work only with SIGNUP=invite/);
  });
});

describe('SIGNUP=invite', () => {
  let s: Site;
  before(async () => {
    s = await site('invite');
  });

  void test('an admin makes an invite on the Admin page; the link makes one member, signed in, and is then refused', async () => {
    assert.equal((await get(s, '/signup')).status, 404, 'no page without an invite');
    const made = await adminPost(s, '/admin/invites', { label: 'carol@example.com' });
    assert.equal(made.status, 200);
    const link = linkIn(made.text);
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/signup\?invite=dci_[\w-]{43}$/);
    assert.match(made.text, /data-status="unused"/);
    assert.match(made.text, /carol@example\.com/);
    // Stored hashed: the secret is nowhere in the store's listing.
    assert.ok(!JSON.stringify(s.accounts.invites.list()).includes(secretOf(link)));

    const page = await get(s, pathOf(link));
    assert.equal(page.status, 200);
    const form = await page.text();
    assert.match(form, /<form class="signup-form"/);
    assert.match(form, new RegExp(`name="invite" value="${secretOf(link)}"`));
    // A mistyped repeat, a short password and a taken name are refused, and do not use the invite up.
    assert.match(await errorOf(await signUp(s, { name: 'carol', password: 'carol-password', repeat: 'carol-passwor', invite: secretOf(link) })), /two passwords differ/);
    assert.match(await errorOf(await signUp(s, { name: 'carol', password: 'short', repeat: 'short', invite: secretOf(link) })), /too short: use at least 8/);
    assert.match(await errorOf(await signUp(s, { name: 'ADA', password: 'carol-password', repeat: 'carol-password', invite: secretOf(link) })), /"ADA" is taken/);

    const done = await signUp(s, { name: 'carol', password: 'carol-password', repeat: 'carol-password', invite: secretOf(link) });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/');
    const cookie = cookieOf(done);
    assert.ok(cookie, 'signed in at once');
    const home = await (await get(s, '/', cookie)).text();
    assert.match(home, /class="account-name"[^>]*>carol</);
    assert.equal(s.accounts.store.findByName('carol')?.user.role, 'member');
    // Only what everyone may: General (everyone:write by default), not an admin's collection.
    s.srv.services.collections.create({ name: 'Board' });
    const theirs = (await (await get(s, '/api/collections', cookie)).json()) as { collections: Array<{ name: string }> };
    assert.deepEqual(theirs.collections.map((c) => c.name), ['General']);

    const again = await get(s, pathOf(link));
    assert.equal(again.status, 410);
    assert.match(await again.text(), /has been used already/);
    const reuse = await signUp(s, { name: 'mallory', password: 'mallory-password', repeat: 'mallory-password', invite: secretOf(link) });
    assert.equal(reuse.status, 410);
    assert.equal(s.accounts.store.findByName('mallory'), undefined);
    const listed = await (await get(s, '/admin', `docent_auth=${(await s.accounts.signIn('ada', 'ada-password', '127.0.0.9') as { sessionId: string }).sessionId}`)).text();
    assert.match(listed, /data-status="used"[\s\S]*?used by carol/);
  });

  void test('an expired, a revoked and an unknown link are each refused with why', async () => {
    const expiring = secretOf(linkIn((await adminPost(s, '/admin/invites', {})).text));
    const revoking = linkIn((await adminPost(s, '/admin/invites', { label: 'dave' })).text);
    const id = s.accounts.invites.list().find((i) => i.label === 'dave')!.id;
    const revoked = await adminPost(s, '/admin/invites/revoke', { id });
    assert.match(revoked.text, /Revoked the invite for dave/);
    assert.match(revoked.text, /data-status="revoked"/);
    const gone = await get(s, pathOf(revoking));
    assert.equal(gone.status, 410);
    assert.match(await gone.text(), /revoked by an admin/);
    assert.equal((await adminPost(s, '/admin/invites/revoke', { id })).status, 410, 'not twice');

    clock.t += 73 * HOUR;
    try {
      const late = await get(s, `/signup?invite=${expiring}`);
      assert.equal(late.status, 410);
      assert.match(await late.text(), /expired on 2026-01-0\d/);
      assert.equal((await signUp(s, { name: 'erin', password: 'erin-password', repeat: 'erin-password', invite: expiring })).status, 410);
    } finally {
      clock.t -= 73 * HOUR;
    }
    const unknown = await get(s, `/signup?invite=dci_${'x'.repeat(43)}`);
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /not valid: it may be mistyped/);
  });

  void test('`npm run users -- invite` prints a link that works', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runUsersCli(['invite', '--label', 'script'], s.accounts, { interactive: false, readPassword: () => Promise.reject(new Error('no')), out: (t) => out.push(t), err: (t) => err.push(t) }, { serviceUrl: 'https://docent.example.org', signUp: 'invite' });
    assert.equal(code, 0);
    const link = out.join('').trim();
    assert.match(link, /^https:\/\/docent\.example\.org\/signup\?invite=dci_[\w-]{43}$/);
    assert.match(err.join(''), /shown once; works once/);
    assert.equal((await get(s, pathOf(link))).status, 200);
    assert.equal(s.accounts.invites.list().filter((i) => i.label === 'script' && i.status === 'unused' && i.createdBy === null).length, 1);
    const warned: string[] = [];
    await runUsersCli(['invite'], s.accounts, { interactive: false, readPassword: () => Promise.reject(new Error('no')), out: () => undefined, err: (t) => warned.push(t) }, { serviceUrl: 'http://x', signUp: 'off' });
    assert.match(warned.join(''), /SIGNUP is off here/);
    assert.equal(await runUsersCli(['invite', 'extra'], s.accounts, { interactive: false, readPassword: () => Promise.reject(new Error('no')), out: () => undefined, err: () => undefined }), 2);
  });
});

describe('SIGNUP=open', () => {
  void test('the sign-in page links to sign-up; anyone makes a member; one address is throttled after 5', async () => {
    const s = await site('open');
    const login = await (await get(s, '/login')).text();
    assert.match(login, /<a href="\/signup">Create one<\/a>/);
    const page = await get(s, '/signup');
    assert.equal(page.status, 200);
    assert.doesNotMatch(await page.text(), /name="invite"/);
    for (let i = 1; i <= 5; i++) {
      const res = await signUp(s, { name: `user${i}`, password: 'a-password', repeat: 'a-password' });
      assert.equal(res.status, 303, `sign-up ${i}`);
      assert.equal(s.accounts.store.findByName(`user${i}`)?.user.role, 'member');
    }
    const sixth = await signUp(s, { name: 'user6', password: 'a-password', repeat: 'a-password' });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.headers.get('retry-after'), '30');
    assert.match(await errorOf(sixth), /Too many sign-up attempts from your address/);
    assert.equal(s.accounts.store.findByName('user6'), undefined);
    clock.t += 31_000;
    assert.equal((await signUp(s, { name: 'user6', password: 'a-password', repeat: 'a-password' })).status, 303, 'the lock ends');
  });

  void test('with no users yet there is no sign-up: the first user is an admin', async () => {
    const s = await site('open', false);
    assert.equal((await get(s, '/signup')).status, 404);
    assert.equal((await signUp(s, { name: 'first', password: 'a-password', repeat: 'a-password' })).status, 404);
    assert.equal(s.accounts.hasUsers(), false);
  });
});
