/**
 * End-to-end journey in real Chromium against the REAL all-in-one service (src/bin/start.ts) with
 * the small test models: upload a PDF on Documents, wait until it is ready, ask about a fact in it
 * and watch the answer stream in with the PDF cited, vote thumbs up, and find 1 answer and 1 up
 * vote on Analytics. Ends with a screenshot in test-results/journey.png.
 *
 * Needs: /usr/bin/chromium (Debian's chromium) and the test models (`npm run models:test`).
 * Missing either fails the test with a message; nothing is skipped.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makePdf } from '../support/make-pdf.ts';
import { ROOT, startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 90_000;
const FACT = 'The secret launch code of the Zephyr project is PURPLE-OTTER-42.';
const PDF_NAME = 'zephyr-facts.pdf';

let svc: E2eService | undefined;

before(async () => {
  svc = await startE2eService();
});

after(async () => {
  await svc?.close();
});

/** Reloads until `check` is true, bounded; returns the last page text for the failure message. */
async function reloadUntil(page: Page, check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not seen within 30 s; page shows:\n${await page.innerText('main')}`);
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

void test('upload a PDF, ask about it with a streamed cited answer, vote, see it in analytics', async () => {
  assert.ok(svc, 'service started');
  const service = svc;
  const { baseUrl } = service;
  const page = await svc.browser.newPage({ viewport: { width: 1100, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await fsp.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  try {
    // 1. Documents: upload the PDF and wait until it is ready.
    const pdfPath = path.join(await service.tmpDir('docent-e2e-pdf-'), PDF_NAME);
    await fsp.writeFile(pdfPath, makePdf([`Zephyr project notes\n${FACT}\nThe project started in 2021.`, 'Appendix: nothing else of note.']));
    await page.goto(`${baseUrl}/documents`);
    await page.setInputFiles('#file', pdfPath);
    await page.click('#upload-form button[type=submit]');
    await page.waitForSelector('#upload-result .alert-ok');
    const row = page.locator('#document-list tr', { hasText: PDF_NAME });
    await row.waitFor();
    await page.waitForFunction(
      (name) => {
        const tr = Array.from(document.querySelectorAll('#document-list tr')).find((r) => r.textContent?.includes(name));
        return tr?.getAttribute('data-status') === 'ready' || tr?.getAttribute('data-status') === 'failed';
      },
      PDF_NAME,
    );
    assert.equal(await row.getAttribute('data-status'), 'ready', `ingest failed: ${await row.innerText()}\n${service.tail()}`);
    await page.screenshot({ path: path.join(ROOT, 'test-results/journey-documents.png'), fullPage: true });

    // 2. Ask: the answer streams in token by token, then the final answer with the PDF as a source.
    await page.click('nav[aria-label=Main] a[href="/"]');
    await page.fill('#question', 'What is the secret launch code of the Zephyr project?');
    await page.click('details.settings summary');
    await page.fill('#setting-temperature', '0');
    await page.fill('#setting-maxTokens', '48');
    await page.fill('#setting-seed', '7');
    // Record every text the answer element shows, in order, as the DOM changes.
    await page.evaluate(() => {
      const w = window as unknown as { answerTexts: string[] };
      w.answerTexts = [];
      const el = document.getElementById('conversation');
      if (!el) throw new Error('no #conversation');
      // The turn is added when the question is sent: record what its answer element shows.
      new MutationObserver((records) => {
        for (const r of records) {
          const target = r.target instanceof Element ? r.target : r.target.parentElement;
          if (target?.closest('.answer-text')) r.addedNodes.forEach((n) => w.answerTexts.push(n.textContent ?? ''));
        }
      }).observe(el, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#ask-button');
    await page.waitForSelector('.turn .vote:not([hidden])');
    const errorText = await page.innerText('#ask-error');
    assert.equal(errorText.trim(), '', `the page shows an error: ${errorText}`);
    const texts = await page.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts);
    const finalAnswer = (await page.innerText('.turn .answer-text')).trim();
    assert.ok(finalAnswer.length > 0, 'a final answer is shown');
    // At least one token update before the final one: the answer streamed rather than arrived whole.
    assert.ok(texts.length >= 2 && (texts[0] ?? '').length > 0, `answer did not stream: ${JSON.stringify(texts)}`);
    const sources = await page.innerText('.turn .sources');
    assert.match(sources, new RegExp(PDF_NAME.replace('.', '\\.')), 'the PDF is cited as a source');
    assert.match(sources, /PURPLE-OTTER-42/, 'the cited passage holds the fact');
    assert.match(await page.innerText('.turn .answer-meta'), /Answered by .+ · first token/);

    // 3. Vote thumbs up.
    await page.click('.turn button[data-vote=up]');
    await page.waitForFunction(() => /Vote recorded/.test(document.querySelector('.turn .vote-status')?.textContent ?? ''));
    await page.screenshot({ path: path.join(ROOT, 'test-results/journey-ask.png'), fullPage: true });

    // 4. Analytics: 1 answer, 1 up vote (the consumer may lag a moment behind).
    await page.click('nav[aria-label=Main] a[href="/analytics"]');
    await reloadUntil(
      page,
      async () => (await page.locator('#analytics-panel[data-answers="1"]').count()) === 1 && /1 up · 0 down/.test(await page.innerText('#analytics-panel')),
      '1 answer and 1 up vote',
    );
    await page.waitForSelector('canvas.latency-chart[data-drawn=true]');
    assert.match(await page.innerText('#analytics-panel'), /What is the secret launch code/);
    await page.screenshot({ path: path.join(ROOT, 'test-results/journey.png'), fullPage: true });

    // 5. Chats: reopen the chat from the list, ask a follow-up in it, then open a source in its document.
    await page.click('nav[aria-label=Main] a[href="/"]');
    await page.click('.chat-list a[data-chat-id]');
    await page.waitForSelector('#delete-chat');
    assert.equal(await page.locator('.turn').count(), 1, 'the reopened chat shows its turn');
    assert.match(await page.innerText('.turn .question-text'), /secret launch code/);
    assert.equal(await page.inputValue('#setting-seed'), '7', "the chat's settings prefill the form");
    await page.fill('#question', 'Who keeps it?');
    await page.click('#ask-button');
    await page.waitForSelector('.turn:nth-of-type(2) .vote:not([hidden])');
    assert.equal((await page.innerText('#ask-error')).trim(), '');
    await page.click('.turn >> nth=0 >> .turn-sources summary');
    const [viewer] = await Promise.all([page.context().waitForEvent('page'), page.click('.turn >> nth=0 >> .source-link >> nth=0')]);
    await viewer.waitForSelector('mark#passage');
    assert.equal((await viewer.innerText('h1')).trim(), PDF_NAME);
    assert.ok((await viewer.innerText('mark#passage')).trim().length > 0, 'the passage is highlighted');
    await viewer.screenshot({ path: path.join(ROOT, 'test-results/journey-passage.png'), fullPage: true });
    await viewer.close();
    assert.deepEqual(pageErrors, [], 'no script errors in the pages');
  } catch (err) {
    await page.screenshot({ path: path.join(ROOT, 'test-results/journey-failure.png'), fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
});
