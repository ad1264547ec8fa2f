/**
 * End-to-end in real Chromium against the REAL all-in-one service (src/bin/start.ts, small test
 * models) with SIGNUP=invite and single sign-on through a REAL OpenID provider (oidc-provider on
 * the loopback, tests/support/oidc-test-provider.ts):
 *   (a) an admin makes an invite link on the Admin page; a second browser signs up through it, is
 *       signed in as a member, and the link used again is refused;
 *   (b) a member makes a personal API token on the Settings page; the `search` CLI
 *       (src/bin/search.ts) run with DOCENT_TOKEN and DOCENT_URL finds the member's document;
 *       after the token is revoked in the browser the CLI fails with the 401's message;
 *   (c) a person signs in through the provider's own login and consent pages, lands signed in as
 *       a new member, and signs out.
 *
 * Needs: /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { freePort, startE2eService, type E2eService } from '../support/e2e-service.ts';
import { listenProvider, type TestProvider } from '../support/oidc-test-provider.ts';
import { runCli, type CliRun } from '../support/run-cli.ts';

const STEP_TIMEOUT_MS = 60_000;
const CLIENT = { clientId: 'docent', clientSecret: 'docent-e2e-client-secret' };
let svc: E2eService | undefined;
let provider: TestProvider | undefined;
let accounts: Accounts | undefined;

before(async () => {
  const port = await freePort();
  const listening = await listenProvider();
  provider = listening.serve({ ...CLIENT, redirectUri: `http://127.0.0.1:${port}/auth/oidc/callback`, accounts: { 'sub-frank': { preferred_username: 'frank', email: 'frank@example.com', email_verified: true } } });
  svc = await startE2eService({ PORT: String(port), SIGNUP: 'invite', OIDC_ISSUER: listening.issuer, OIDC_CLIENT_ID: CLIENT.clientId, OIDC_CLIENT_SECRET: CLIENT.clientSecret, OIDC_PROVIDER_NAME: 'Test IdP' });
  // The same file the service uses (as `npm run users` does): the first admin and a member.
  accounts = new Accounts(new AccountStore(path.join(svc.dataDir, 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
  await accounts.addUser('ada', 'admin', 'ada-password');
  await accounts.addUser('dan', 'member', 'dan-password');
});
after(async () => {
  accounts?.close();
  await svc?.close();
  await provider?.close();
});

async function newPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

async function signIn(browser: Browser, base: string, name: string, password: string, errors: string[]): Promise<Page> {
  const page = await newPage(browser, errors);
  await page.goto(`${base}/settings`);
  await page.fill('.login-form input[name=name]', name);
  await page.fill('.login-form input[name=password]', password);
  await page.click('.login-form button[type=submit]');
  await page.waitForURL(`${base}/settings`);
  return page;
}

/** Runs `npm run search` (src/bin/search.ts) as a child process with the CLI's settings. */
const searchCli = (env: Record<string, string>, query: string): Promise<CliRun> => runCli('search.ts', [query, '3'], env);

const withTail = async (run: () => Promise<void>): Promise<void> => {
  try {
    await run();
  } catch (err) {
    throw new Error(`${String(err)}\n--- service\n${svc?.tail() ?? ''}`, { cause: err });
  }
};

void test('(a) an admin makes an invite link; a second browser signs up through it as a member; the link then is refused', () =>
  withTail(async () => {
    const { browser, baseUrl } = svc!;
    const errors: string[] = [];
    const admin = await signIn(browser, baseUrl, 'ada', 'ada-password', errors);
    await admin.click('nav a[href="/admin"]');
    await admin.waitForURL(`${baseUrl}/admin`);
    await admin.fill('.create-invite input[name=label]', 'carol@example.com');
    await admin.click('.create-invite button[type=submit]');
    const link = await admin.locator('#admin-panel input.invite-link').inputValue();
    assert.match(link, new RegExp(`^${baseUrl}/signup\\?invite=dci_`));
    await admin.locator('tr[data-status="unused"]', { hasText: 'carol@example.com' }).waitFor();

    const guest = await newPage(browser, errors);
    await guest.goto(link);
    await guest.fill('.signup-form input[name=name]', 'carol');
    await guest.fill('.signup-form input[name=password]', 'carol-password');
    await guest.fill('.signup-form input[name=repeat]', 'carol-password');
    await guest.click('.signup-form button[type=submit]');
    await guest.waitForURL(`${baseUrl}/`);
    assert.equal(await guest.locator('.account-nav .account-name').innerText(), 'carol');
    assert.equal(await guest.locator('nav a[href="/admin"]').count(), 0, 'a member: no Admin link');
    assert.equal(accounts!.store.findByName('carol')?.user.role, 'member');

    const again = await newPage(browser, errors);
    assert.equal((await again.goto(link))?.status(), 410);
    assert.match(await again.locator('.alert-error').innerText(), /has been used already/);
    assert.equal(await again.locator('.signup-form').count(), 0, 'no form for a used link');
    await admin.reload();
    await admin.locator('tr[data-status="used"]', { hasText: 'used by carol' }).waitFor();
    assert.deepEqual(errors, [], 'no script errors');
  }));

void test('(b) a token made on the Settings page works for the search CLI until it is revoked in the browser', () =>
  withTail(async () => {
    const { browser, baseUrl } = svc!;
    const errors: string[] = [];
    const adminToken = accounts!.createTokenFor('ada', 'e2e upload').token;
    const form = new FormData();
    form.append('file', new Blob(['The lighthouse keeper logs the ferry timetable every morning at six.'], { type: 'text/plain' }), 'lighthouse.txt');
    assert.equal((await fetch(`${baseUrl}/api/documents`, { method: 'POST', body: form, headers: { authorization: `Bearer ${adminToken}` } })).status, 202);
    for (let ready = false; !ready; await new Promise((r) => setTimeout(r, 500))) {
      const docs = (await (await fetch(`${baseUrl}/api/documents`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { documents: Array<{ status: string; error?: string | null }> };
      assert.notEqual(docs.documents[0]?.status, 'failed', docs.documents[0]?.error ?? '');
      ready = docs.documents[0]?.status === 'ready';
    }

    const member = await signIn(browser, baseUrl, 'dan', 'dan-password', errors);
    await member.fill('.token-form input[name=label]', 'laptop CLI');
    await member.click('.token-form button[type=submit]');
    const token = (await member.locator('#token-section .token-secret').innerText()).trim();
    assert.match(token, /^dct_[\w-]{43}$/);
    const env = { DOCENT_URL: baseUrl, DOCENT_TOKEN: token };
    const ok = await searchCli(env, 'When is the ferry timetable logged?');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^1\. \[\d\.\d{3}\] lighthouse\.txt/m);

    member.once('dialog', (d) => void d.accept());
    await member.click('#token-section tr:has-text("laptop CLI") button.delete-button');
    await member.locator('#token-section tr', { hasText: 'laptop CLI' }).waitFor({ state: 'detached' });
    const refused = await searchCli(env, 'When is the ferry timetable logged?');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /401: This API token is not valid: it was revoked/);
    assert.equal(refused.stdout, '');
    assert.deepEqual(errors, [], 'no script errors');
  }));

void test('(c) single sign-on through the provider\'s login and consent pages makes a new member, who signs out', () =>
  withTail(async () => {
    const { browser, baseUrl } = svc!;
    const errors: string[] = [];
    const page = await newPage(browser, errors);
    await page.goto(`${baseUrl}/documents`);
    await page.click('a.sso-button');
    await page.waitForURL(`${provider!.issuer}/interaction/**`);
    await page.fill('input[name=login]', 'sub-frank');
    await page.fill('input[name=password]', 'any password');
    await page.click('button[type=submit]');
    // The consent page of the same provider, then back to Docent.
    const consent = page.locator('form:has(input[name=prompt][value=consent]) button[type=submit]');
    await consent.waitFor();
    await consent.click();
    await page.waitForURL(`${baseUrl}/documents`);
    assert.equal(await page.locator('.account-nav .account-name').innerText(), 'frank');
    assert.equal(accounts!.store.findByName('frank')?.user.role, 'member');
    assert.equal(accounts!.store.findByName('frank')?.passwordHash, null, 'no Docent password');

    await page.click('.account-nav .signout');
    await page.waitForURL(/\/login$/);
    await page.goto(`${baseUrl}/documents`);
    assert.match(page.url(), /\/login\?next=/);
    assert.deepEqual(errors, [], 'no script errors');
  }));
