/**
 * Untrusted text stays inert, in real Chromium against the REAL all-in-one service (small test
 * models): a collection's name and description, a document's name and text, a question, a chat
 * title and a model answer all carry script payloads (<script>, <img onerror>, <svg onload>,
 * javascript: links, an attribute-breaking `"><b id=pwn>`). On every page that shows them (the
 * collections page, the documents list, the Ask page with its sources, the passage view, the chat
 * list, the analytics page and its full-answer view) the payloads are visible as text, no script
 * ran (`window.__xss` stays undefined) and no element was made from them (the DOM is queried, so
 * the test holds even without the Content-Security-Policy, which is checked separately).
 *
 * The model answer repeats the payloads because the question asks it to repeat the passage that
 * carries them; whether it did is asserted, not assumed.
 *
 * Needs: /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 120_000;
const SHOTS = path.join(ROOT, 'test-results');
const P = {
  script: '<script>window.__xss=1</script>',
  img: '<img src=x onerror="window.__xss=2">',
  svg: '<svg onload="window.__xss=3">',
  link: '<a href="javascript:window.__xss=4">x</a>',
  attr: '"><b id=pwn>',
};
const ALL = Object.values(P).join(' ');
// Collection names are at most 80 characters.
const COLLECTION = `Vault ${P.attr} ${P.svg}`;
// A file name cannot hold "/" (so no closing tags); quotes are left out as browsers escape them.
const DOC_NAME = `vault <img src=x onerror=window.__xss=2> <svg onload=window.__xss=3> '><b id=pwn>.txt`;
const DOC_TEXT = `Vault notes.\n\nThe greeting is ${ALL}\n\nThe vault opens at dawn.`;
// The small model at temperature 0 repeats the passage's payload for this exact wording (a
// rewording, e.g. one more payload after "exactly.", made it paraphrase instead).
const QUESTION = `Repeat the sentence "The greeting is ${P.img} ${P.attr}" exactly.`;
// Chat titles are at most 80 characters.
const TITLE = `${P.attr}${P.script}${P.svg}`;

let svc: E2eService | undefined;

before(async () => {
  svc = await startE2eService();
});

after(async () => {
  await svc?.close();
});

/**
 * Asserts that nothing on `page` came from a payload: no script ran, no element with id pwn, no
 * inline script, event-handler attribute or javascript: URL in the DOM; and that each of `texts`
 * is visible as text.
 */
async function assertInert(page: Page, where: string, texts: string[]): Promise<void> {
  // An <img src=x onerror> would fire once its load failed: give it the time to.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  const found = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('*'));
    const handlers: string[] = [];
    const jsUrls: string[] = [];
    for (const el of all) {
      for (const a of Array.from(el.attributes)) {
        if (/^on/i.test(a.name)) handlers.push(`<${el.localName} ${a.name}="${a.value}">`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) && /^\s*javascript:/i.test(a.value)) jsUrls.push(`<${el.localName} ${a.name}="${a.value}">`);
      }
    }
    return {
      xss: (window as unknown as { __xss?: unknown }).__xss,
      pwn: document.getElementById('pwn') !== null || document.querySelector('b#pwn, b[id]') !== null,
      inlineScripts: Array.from(document.querySelectorAll('script')).filter((s) => !s.src || (s.textContent ?? '').includes('__xss')).length,
      imgOnerror: document.querySelectorAll('img[onerror]').length,
      svgOnload: document.querySelectorAll('svg[onload]').length,
      jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
      handlers,
      jsUrls,
      text: document.body.innerText,
    };
  });
  assert.equal(found.xss, undefined, `${where}: a payload ran (window.__xss = ${String(found.xss)})`);
  assert.equal(found.pwn, false, `${where}: an element <b id=pwn> was made from a payload`);
  assert.equal(found.inlineScripts, 0, `${where}: an inline <script> element is in the page`);
  assert.equal(found.imgOnerror, 0, `${where}: an img[onerror] element is in the page`);
  assert.equal(found.svgOnload, 0, `${where}: an svg[onload] element is in the page`);
  assert.equal(found.jsLinks, 0, `${where}: a javascript: link is in the page`);
  assert.deepEqual(found.handlers, [], `${where}: event-handler attributes are in the page`);
  assert.deepEqual(found.jsUrls, [], `${where}: javascript: URLs are in the page`);
  for (const t of texts) assert.ok(found.text.includes(t), `${where}: the text ${JSON.stringify(t)} is not shown as text; the page reads:\n${found.text.slice(0, 3000)}`);
}

void test('payloads in names, texts, questions, titles and answers render as text on every page', async () => {
  assert.ok(svc, 'service started');
  const service = svc;
  await fsp.mkdir(SHOTS, { recursive: true });
  const page = await service.browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`unexpected dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  try {
    // The policy forbids inline scripts (a second line of defence; the checks below do not rely on it).
    const first = await page.goto(`${service.baseUrl}/collections`);
    const csp = first?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, `the CSP allows only our own script files: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

    // 1. A collection whose name and description carry payloads.
    await page.fill('#collection-name', COLLECTION);
    await page.fill('#collection-description', ALL);
    await page.click('#create-collection button[type=submit]');
    // The new row is the one with a description (General has none); its name is an input's value.
    const collectionRow = page.locator('#collection-list tr:has(.collection-description)');
    await collectionRow.waitFor();
    await assertInert(page, 'collections page (after create)', [ALL]);
    await page.reload();
    await assertInert(page, 'collections page', [ALL]);
    assert.equal(await collectionRow.locator('input[name=name]').inputValue(), COLLECTION);
    assert.equal(await collectionRow.locator('input[name=description]').inputValue(), ALL);

    // 2. A document whose name and text carry payloads, uploaded into that collection.
    await page.goto(`${service.baseUrl}/documents`);
    await page.selectOption('#upload-collection', { label: COLLECTION });
    await page.setInputFiles('#file', { name: DOC_NAME, mimeType: 'text/plain', buffer: Buffer.from(DOC_TEXT) });
    await page.click('#upload-form button[type=submit]');
    await page.waitForFunction(() => {
      const tr = Array.from(document.querySelectorAll('#document-list tr')).find((r) => r.textContent?.includes('vault'));
      return ['ready', 'failed'].includes(tr?.getAttribute('data-status') ?? '');
    });
    const row = page.locator('#document-list tr', { hasText: 'vault' });
    assert.equal(await row.getAttribute('data-status'), 'ready', `ingest failed: ${await row.innerText()}\n${service.tail()}`);
    await assertInert(page, 'documents list (live row)', ['<img src=x onerror=window.__xss=2>', COLLECTION]);
    await page.reload();
    await assertInert(page, 'documents list', ['<img src=x onerror=window.__xss=2>', '<svg onload=window.__xss=3>', COLLECTION]);
    const shownName = (await page.locator('#document-list tr', { hasText: 'vault' }).locator('td').first().innerText()).trim();
    await page.screenshot({ path: path.join(SHOTS, 'untrusted-documents.png'), fullPage: true });

    // 3. Ask over the collection with a question carrying payloads; the answer repeats them.
    await page.goto(`${service.baseUrl}/`);
    await page.check(`input[name=collections][data-name="${COLLECTION.replaceAll('"', '\\"')}"]`);
    await page.locator('details.settings').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await page.fill('#setting-temperature', '0');
    await page.fill('#setting-maxTokens', '80');
    await page.fill('#question', QUESTION);
    await page.click('#ask-button');
    await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.querySelector<HTMLElement>('.turn')?.dataset.status ?? ''));
    assert.equal(await page.locator('.turn').getAttribute('data-status'), 'done', await page.locator('.turn').innerText());
    await page.locator('.turn details.turn-sources').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    // The DOM first: an answer turned into markup would also hide the payload from the text below.
    await assertInert(page, 'ask page (streamed answer)', [QUESTION, ALL, COLLECTION]);
    const answer = await page.innerText('.turn .answer-text');
    console.log(`the model answered: ${JSON.stringify(answer)}`);
    const repeated = [P.img, P.attr, P.svg, P.script, P.link, '<img', '<svg', '<b id=pwn>', 'onerror='].filter((p) => answer.includes(p));
    assert.ok(repeated.length > 0, `the model answer repeats no payload: ${JSON.stringify(answer)}`);
    const chatUrl = page.url();
    assert.match(chatUrl, /\/chats\//);
    await page.reload();
    await page.locator('.turn details.turn-sources').evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await assertInert(page, 'chat page (reloaded)', [QUESTION, ALL, shownName, ...repeated]);
    await page.screenshot({ path: path.join(SHOTS, 'untrusted-ask.png'), fullPage: true });

    // 4. The passage view: the document's text with the passage highlighted.
    const link = page.locator('.turn .source-link').first();
    const [viewer] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await viewer.waitForSelector('mark#passage');
    await assertInert(viewer, 'passage view', [shownName, ALL]);
    await viewer.close();

    // 5. Rename the chat to a title carrying payloads: the heading and the chat list show it as text.
    await page.click('#rename-chat');
    await page.fill('.rename-form input', TITLE);
    await page.press('.rename-form input', 'Enter');
    await page.waitForFunction((t) => document.getElementById('chat-title')?.textContent === t, TITLE);
    await assertInert(page, 'chat page (renamed)', [TITLE]);
    await page.goto(`${service.baseUrl}/`);
    await assertInert(page, 'chat list', [TITLE]);
    await page.goto(chatUrl);
    await assertInert(page, 'chat page (renamed, reloaded)', [TITLE, QUESTION, ...repeated]);
    assert.equal(await page.title(), `${TITLE} · Docent`);

    // 6. Analytics: the recent answers list the question; its full answer opens below.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.goto(`${service.baseUrl}/analytics`);
      if ((await page.locator('table.recent-answers td.question').count()) > 0) break;
      assert.ok(Date.now() < deadline, `the answer did not reach the analytics page within 60 s\n${service.tail()}`);
      await page.waitForTimeout(1000);
    }
    await assertInert(page, 'analytics page', [QUESTION]);
    await page.locator('table.recent-answers td.question a').first().click();
    await page.locator('#answer-detail-box').filter({ hasText: 'greeting' }).waitFor();
    await assertInert(page, 'analytics full answer', [QUESTION, ...repeated]);
    await page.screenshot({ path: path.join(SHOTS, 'untrusted-analytics.png'), fullPage: true });
    await page.goto(`${service.baseUrl}${(await page.locator('table.recent-answers td.question a').first().getAttribute('href')) ?? ''}`);
    await assertInert(page, 'analytics answer page', [QUESTION, ...repeated]);

    assert.deepEqual(pageErrors, [], 'no script errors or dialogs in the pages');
  } catch (err) {
    await page.screenshot({ path: path.join(SHOTS, 'untrusted-failure.png'), fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
});
