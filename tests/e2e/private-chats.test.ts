/**
 * Private chats in a real Chromium against the REAL all-in-one service with sign-in on: two members,
 * each in their own browser. Alice asks a question on the Ask page (the small test model answers);
 * her chat's address works for her. Bob, signed in, opens the same address and sees the not-found
 * page, never Alice's question; her chat is not in his list, and the JSON API answers him 404 too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts } from '../../src/accounts/accounts.ts';
import { startE2eService, type E2eService } from '../support/e2e-service.ts';

const QUESTION = 'Which lighthouse does Alice keep a private note about?';
let svc: E2eService | undefined;
let data = '';

before(async () => {
  // The members exist before the service starts, so it starts with sign-in on.
  data = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-e2e-private-'));
  const accounts = new Accounts(new AccountStore(path.join(data, 'accounts.db')), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000 });
  await accounts.addUser('alice', 'member', 'alice-password');
  await accounts.addUser('bob', 'member', 'bob-password');
  accounts.close();
  svc = await startE2eService({ DATA_DIR: data, INGEST_INBOX: path.join(data, 'inbox') });
});

after(async () => {
  await svc?.close();
  await fsp.rm(data, { recursive: true, force: true });
});

/** A fresh browser context signed in as `name` on the sign-in page; returns its page on Ask. */
async function signedIn(browser: Browser, name: string, password: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${svc!.baseUrl}/`);
  assert.match(page.url(), /\/login$/, 'sign-in is on');
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await page.click('.login-form button[type=submit]');
  await page.waitForURL(`${svc!.baseUrl}/`);
  return page;
}

test('a member who opens another member\'s chat address sees not-found', async () => {
  const alice = await signedIn(svc!.browser, 'alice', 'alice-password');
  await alice.fill('#question', QUESTION);
  await alice.press('#question', 'Enter');
  await alice.waitForURL(/\/chats\/[^/]+$/);
  await alice.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.querySelector<HTMLElement>('.turn')?.dataset.status ?? ''), undefined, { timeout: 120_000 });
  const chatUrl = alice.url();
  const chatId = decodeURIComponent(chatUrl.split('/chats/')[1]!);
  await alice.goto(chatUrl);
  assert.match(await alice.locator('.turn .question-text').first().innerText(), /Which lighthouse/, 'the owner opens it');

  const bob = await signedIn(svc!.browser, 'bob', 'bob-password');
  assert.doesNotMatch(await bob.locator('body').innerText(), /Which lighthouse/, 'not in his chat list');
  const res = await bob.goto(chatUrl);
  assert.equal(res?.status(), 404);
  const text = await bob.locator('body').innerText();
  assert.match(text, /Error 404/);
  assert.match(text, /That chat no longer exists/);
  assert.doesNotMatch(text, /Which lighthouse/, 'nothing of the chat shows');
  const api = await bob.evaluate(async (id) => (await fetch(`/api/chats/${encodeURIComponent(id)}`)).status, chatId);
  assert.equal(api, 404);
  const own = await alice.evaluate(async (id) => (await fetch(`/api/chats/${encodeURIComponent(id)}`)).status, chatId);
  assert.equal(own, 200, svc!.tail());
});
