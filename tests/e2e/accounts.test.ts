/**
 * End-to-end in real Chromium against the REAL all-in-one service (src/bin/start.ts, small test
 * models): the first admin is added as `npm run users -- add` does (sign-in turns on without a
 * restart); the admin signs in, opens the Admin page from the nav, adds a member and grants them
 * read on a collection. The member signs in, sees no Admin link, finds that collection in the
 * library filter but not in the upload menu (only collections they may write), an upload into it
 * through the API is refused (nothing is added), then signs out and is sent to the sign-in page.
 *
 * Needs: /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 60_000;
let svc: E2eService | undefined;

before(async () => {
  svc = await startE2eService();
});
after(async () => {
  await svc?.close();
});

async function signIn(browser: Browser, base: string, name: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await page.goto(`${base}/documents`);
  assert.match(page.url(), /\/login\?next=%2Fdocuments$/, 'a page without sign-in goes to the sign-in page');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await page.click('.login-form button[type=submit]');
  await page.waitForURL(`${base}/documents`);
  return page;
}

void test('an admin adds a member and grants read; the member cannot upload there, and signs out', async () => {
  assert.ok(svc, 'service started');
  const service = svc;
  const accounts = new Accounts(new AccountStore(path.join(service.dataDir, 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
  const errors: string[] = [];
  try {
    await accounts.addUser('ada', 'admin', 'ada-password');
    const token = accounts.createTokenFor('ada', 'e2e').token;
    const made = await fetch(`${service.baseUrl}/api/collections`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Handbooks' }) });
    assert.equal(made.status, 201, await made.text());

    // The admin: Admin page from the nav, a new member, a right.
    const admin = await signIn(service.browser, service.baseUrl, 'ada', 'ada-password');
    admin.on('pageerror', (e) => errors.push(e.message));
    await admin.click('nav a[href="/admin"]');
    await admin.waitForURL(`${service.baseUrl}/admin`);
    await admin.fill('.add-user input[name=name]', 'bob');
    await admin.fill('.add-user input[name=password]', 'bob-password');
    await admin.click('.add-user button[type=submit]');
    await admin.locator('tr[data-user="bob"]').waitFor();
    await admin.selectOption('.grant-right select[name=collection]', { label: 'Handbooks' });
    await admin.selectOption('.grant-right select[name=who]', 'bob');
    await admin.selectOption('.grant-right select[name=level]', 'read');
    await admin.click('.grant-right button[type=submit]');
    await admin.locator('tr[data-collection="Handbooks"] li[data-grant="bob:read"]').waitFor();
    assert.match(await admin.locator('#admin-panel .alert-ok').innerText(), /bob may now read the collection "Handbooks"/);

    // The member: no Admin link; the read-only collection is in the filter, not in the upload menu.
    const member = await signIn(service.browser, service.baseUrl, 'bob', 'bob-password');
    member.on('pageerror', (e) => errors.push(e.message));
    assert.equal(await member.locator('nav a[href="/admin"]').count(), 0, 'no Admin link for a member');
    assert.equal((await member.goto(`${service.baseUrl}/admin`))?.status(), 403);
    await member.goto(`${service.baseUrl}/documents`);
    assert.deepEqual(await member.locator('#upload-collection option').allInnerTexts(), ['General']);
    assert.ok((await member.locator('#document-filters select[name=collection] option').allInnerTexts()).includes('Handbooks'), 'readable: in the filter');
    const bobs = accounts.createTokenFor('bob', 'e2e').token;
    const form = new FormData();
    form.append('file', new Blob(['Notes that must not land in Handbooks.'], { type: 'text/plain' }), 'bobs-notes.txt');
    const refused = await fetch(`${service.baseUrl}/api/documents?collection=Handbooks`, { method: 'POST', body: form, headers: { authorization: `Bearer ${bobs}` } });
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /not change it/);
    const docs = (await (await fetch(`${service.baseUrl}/api/documents`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number };
    assert.equal(docs.total, 0, 'nothing was added to the library');

    // Signing out ends the session: the pages send the member to sign in again.
    await member.click('.account-nav .signout');
    await member.waitForURL(/\/login$/);
    await member.goto(`${service.baseUrl}/documents`);
    assert.match(member.url(), /\/login\?next=/);
    assert.deepEqual(errors, [], 'no script errors');
  } catch (err) {
    throw new Error(`${String(err)}\n--- service\n${service.tail()}`, { cause: err });
  } finally {
    accounts.close();
  }
});
