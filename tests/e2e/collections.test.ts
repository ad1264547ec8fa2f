/**
 * End-to-end in real Chromium against the REAL all-in-one service (src/bin/start.ts, small test
 * models): create a collection on /collections (its name carries markup, which stays text), upload
 * a document into it and a near-duplicate into General on /documents, ask over the new collection
 * alone on the Ask page and see only its document cited (named with its collection), then delete
 * the collection (the confirmation names its one document), see its document leave the library and
 * the chat say the collection it asked over is gone.
 *
 * Needs: /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 90_000;
const NAME = 'Falcon <b>ops</b>';
const FALCON_DOC = 'falcon-runbook.txt';
const GENERAL_DOC = 'general-runbook.txt';
// Near-duplicates: the same sentence shape, a different code. A search over Falcon alone must
// never cite the General one, however close it scores.
const FALCON_FACT = 'The emergency shutdown code of the Falcon reactor is TEAL-HERON-17.';
const GENERAL_FACT = 'The emergency shutdown code of the Falcon reactor is AMBER-WOLF-99.';

let svc: E2eService | undefined;

before(async () => {
  svc = await startE2eService();
});

after(async () => {
  await svc?.close();
});

/** Uploads `file` into the collection chosen by its visible name; waits until its row is ready. */
async function uploadInto(page: Page, service: E2eService, file: string, collectionName: string): Promise<void> {
  await page.goto(`${service.baseUrl}/documents`);
  await page.selectOption('#upload-collection', { label: collectionName });
  await page.setInputFiles('#file', file);
  await page.click('#upload-form button[type=submit]');
  const name = path.basename(file);
  await page.waitForFunction(
    (n) => {
      const tr = Array.from(document.querySelectorAll('#document-list tr')).find((r) => r.textContent?.includes(n));
      return tr?.getAttribute('data-status') === 'ready' || tr?.getAttribute('data-status') === 'failed';
    },
    name,
  );
  const row = page.locator('#document-list tr', { hasText: name });
  assert.equal(await row.getAttribute('data-status'), 'ready', `ingest of ${name} failed: ${await row.innerText()}\n${service.tail()}`);
  assert.match(await row.innerText(), new RegExp(collectionName.replace(/[<>/]/g, '.')), `the row names the collection ${collectionName}`);
}

void test('create a collection, upload into it, ask over it alone, delete it', async () => {
  assert.ok(svc, 'service started');
  const service = svc;
  const page = await service.browser.newPage({ viewport: { width: 1100, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await fsp.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  try {
    // 1. Create the collection; the markup in its name shows as text.
    await page.goto(`${service.baseUrl}/collections`);
    await page.fill('#collection-name', NAME);
    await page.fill('#collection-description', 'Runbooks of the Falcon site');
    await page.click('#create-collection button[type=submit]');
    const row = page.locator('#collection-list tr', { hasText: 'Falcon' });
    await row.waitFor();
    assert.equal(await page.locator('#collection-list b').count(), 0, 'no markup from the name reaches the page');
    assert.equal(await row.locator('input[name=name]').inputValue(), NAME);

    // 2. One document into it, its near-duplicate into General.
    const dir = await service.tmpDir('docent-e2e-collections-');
    const falconFile = path.join(dir, FALCON_DOC);
    const generalFile = path.join(dir, GENERAL_DOC);
    await fsp.writeFile(falconFile, `Falcon site runbook.\n\n${FALCON_FACT}\n\nCall the duty officer first.`);
    await fsp.writeFile(generalFile, `Falcon site runbook (old copy).\n\n${GENERAL_FACT}\n\nCall the duty officer first.`);
    await uploadInto(page, service, falconFile, NAME);
    await uploadInto(page, service, generalFile, 'General');
    await page.screenshot({ path: path.join(ROOT, 'test-results/collections-documents.png'), fullPage: true });

    // 3. Ask over the new collection alone: only its document is cited, named with its collection.
    await page.click('nav[aria-label=Main] a[href="/"]');
    await page.check(`input[name=collections][data-name="${NAME}"]`);
    assert.equal((await page.innerText('#collections-summary')).trim(), NAME);
    await page.fill('#question', 'What is the emergency shutdown code of the Falcon reactor?');
    await page.click('details.settings summary');
    await page.fill('#setting-temperature', '0');
    await page.fill('#setting-maxTokens', '32');
    await page.click('#ask-button');
    await page.waitForSelector('.turn .vote:not([hidden])');
    assert.equal((await page.innerText('#ask-error')).trim(), '', 'no error on the page');
    const sourceHeads = await page.locator('.turn .sources .source-head').allInnerTexts();
    assert.ok(sourceHeads.length > 0, 'the answer cites sources');
    for (const head of sourceHeads) {
      assert.match(head, new RegExp(FALCON_DOC.replace('.', '\\.')), `a source outside the chosen collection was cited: ${head}`);
      assert.ok(head.includes(NAME), `the source names its collection: ${head}`);
    }
    const sources = await page.innerText('.turn .sources');
    assert.match(sources, /TEAL-HERON-17/);
    assert.doesNotMatch(sources, /AMBER-WOLF-99/);
    const chatUrl = page.url();
    assert.match(chatUrl, /\/chats\//, 'the chat has its own address');
    await page.screenshot({ path: path.join(ROOT, 'test-results/collections-ask.png'), fullPage: true });

    // 4. Delete the collection: the confirmation names its one document.
    await page.goto(`${service.baseUrl}/collections`);
    let confirmation = '';
    page.once('dialog', (d) => {
      confirmation = d.message();
      void d.accept();
    });
    await page.locator('#collection-list tr', { hasText: 'Falcon' }).locator('.delete-button').click();
    await page.waitForFunction(() => !Array.from(document.querySelectorAll('#collection-list tr')).some((r) => r.textContent?.includes('Falcon')));
    assert.match(confirmation, /Delete the collection "Falcon <b>ops<\/b>"\? 1 document will be deleted with it\./);

    // Its document leaves the library (the ingest worker removes it from the index first); the other stays.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.goto(`${service.baseUrl}/documents`);
      const text = await page.innerText('#document-list');
      if (!text.includes(FALCON_DOC)) {
        assert.ok(text.includes(GENERAL_DOC), 'the General document stays');
        break;
      }
      assert.ok(Date.now() < deadline, `${FALCON_DOC} still listed 30 s after its collection was deleted:\n${text}`);
      await page.waitForTimeout(500);
    }

    // 5. The chat keeps its history and says the collection it asked over is gone.
    await page.goto(chatUrl);
    assert.equal(await page.locator('.turn').count(), 1, 'the chat keeps its turn');
    assert.match(await page.innerText('.collections-gone'), /The collection "Falcon <b>ops<\/b>" this chat asked over was deleted/);
    await page.screenshot({ path: path.join(ROOT, 'test-results/collections-gone.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  } catch (err) {
    await page.screenshot({ path: path.join(ROOT, 'test-results/collections-failure.png'), fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
});
