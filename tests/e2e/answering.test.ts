/**
 * The answering experience in real Chromium against the REAL all-in-one service with the small
 * test models: upload a PDF; ask with Enter and watch the answer stream in with its sources
 * (document, page, passage) and the worker's name; open a source in its document; ask a follow-up
 * in the same chat; regenerate an answer; switch presets and see the controls change; an
 * out-of-range setting's message; Stop a long answer (the turn is marked stopped, the next
 * question works in the same chat); reopen an earlier chat from the list with its messages and
 * settings and the partial text of the stopped answer, rename it from its heading (a title with
 * markup stays text), delete a chat; page through 120 more chats with "Show more" and rename one
 * from the list; and the busy message when the request queue (ANSWER_QUEUE_MAX_LENGTH=1)
 * is full while the one worker is held busy. Screenshots go to test-results/answering-*.png.
 *
 * Needs /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { makePdf } from '../support/make-pdf.ts';
import { ROOT, startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 90_000;
const PDF_NAME = 'heron-notes.pdf';
const FACT = 'The Heron observatory opened in 1987 on Mount Tamsin.';
const SHOTS = path.join(ROOT, 'test-results');

let svc: E2eService | undefined;

before(async () => {
  // One worker generating one answer at a time, and one question allowed to wait: a third is busy.
  svc = await startE2eService({ ANSWER_QUEUE_MAX_LENGTH: '1', LLM_SEQUENCES: '1' });
});

after(async () => {
  await svc?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `answering-${name}.png`), fullPage: true });

/** Sets sampling fields (the settings panel is opened first). */
async function setSettings(page: Page, values: Record<string, string>): Promise<void> {
  await page.locator('details.settings').evaluate((d) => ((d as HTMLDetailsElement).open = true));
  for (const [name, value] of Object.entries(values)) await page.fill(`#setting-${name}`, value);
}

/** Types a question and sends it with Enter; resolves when the new turn has ended (done or not). */
async function askWithEnter(page: Page, question: string): Promise<void> {
  const before = await page.locator('.turn').count();
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  await page.waitForFunction((n) => {
    const turns = document.querySelectorAll('.turn');
    return turns.length > n && ['done', 'error', 'stopped'].includes((turns[n] as HTMLElement).dataset.status ?? '');
  }, before);
  const status = await page.locator('.turn').nth(before).getAttribute('data-status');
  assert.equal(status, 'done', `the answer ended as ${status}: ${await page.locator('.turn').nth(before).innerText()}`);
}

/** Long answers sent straight to the API until one is refused: the worker is busy and the queue full. */
async function holdWorkerBusy(baseUrl: string): Promise<AbortController> {
  const stop = new AbortController();
  const body = JSON.stringify({ question: 'Write a very long story about the observatory.', settings: { maxTokens: 2048, temperature: 1.2, repeatPenalty: 1 } });
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${baseUrl}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body, signal: stop.signal });
    if (res.status === 503) return stop;
    assert.equal(res.status, 200, `a long question was answered with ${res.status}`);
    // Do not read: the answer keeps going (or waits in the queue) until aborted.
  }
  stop.abort();
  throw new Error('six long questions at once were never refused as busy');
}

void test('answering: stream, sources, follow-up, regenerate, presets, range error, stop, chats, busy', async () => {
  assert.ok(svc, 'service started');
  const { baseUrl } = svc;
  await fsp.mkdir(SHOTS, { recursive: true });
  const page = await svc.browser.newPage({ viewport: { width: 1200, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  try {
    // Upload a two-page PDF and wait until it is ready.
    const pdfPath = path.join(await svc.tmpDir('docent-e2e-pdf-'), PDF_NAME);
    await fsp.writeFile(pdfPath, makePdf(['Introduction\nThis booklet describes a small observatory.', `Observatory history\n${FACT}\nIts main telescope has a 60 cm mirror.`]));
    await page.goto(`${baseUrl}/documents`);
    await page.setInputFiles('#file', pdfPath);
    await page.click('#upload-form button[type=submit]');
    await page.waitForFunction((name) => {
      const tr = Array.from(document.querySelectorAll('#document-list tr')).find((r) => r.textContent?.includes(name));
      return ['ready', 'failed'].includes(tr?.getAttribute('data-status') ?? '');
    }, PDF_NAME);
    assert.equal(await page.locator('#document-list tr', { hasText: PDF_NAME }).getAttribute('data-status'), 'ready', svc.tail());

    // A new chat: an empty state says what to do; the question box has a label and a keyboard hint.
    await page.goto(`${baseUrl}/`);
    assert.match(await page.innerText('#empty-chat'), /Ask a question about the documents/);
    assert.match(await page.innerText('label[for=question]'), /Question/);
    assert.match(await page.innerText('#question-hint'), /Enter sends/);
    await shot(page, 'empty');

    // Ask with Enter: the answer streams in (several texts in a row), then sources and the worker.
    await setSettings(page, { temperature: '0', maxTokens: '40', seed: '7' });
    await page.evaluate(() => {
      const w = window as unknown as { answerTexts: string[] };
      w.answerTexts = [];
      new MutationObserver(() => {
        const el = document.querySelector('.turn .answer-text');
        if (el && el.textContent !== w.answerTexts.at(-1)) w.answerTexts.push(el.textContent ?? '');
      }).observe(document.getElementById('conversation') as HTMLElement, { childList: true, characterData: true, subtree: true });
    });
    await askWithEnter(page, 'When did the Heron observatory open?');
    const texts = await page.evaluate(() => (window as unknown as { answerTexts: string[] }).answerTexts.filter((t) => t !== ''));
    assert.ok(texts.length >= 2, `the answer did not stream: ${JSON.stringify(texts)}`);
    assert.equal(await page.isVisible('#empty-chat'), false, 'the empty state is gone once there is a turn');
    assert.match(page.url(), /\/chats\/[\w-]+$/, 'the address names the chat');
    const first = page.locator('.turn').nth(0);
    const sources = await first.locator('.sources').innerText();
    assert.match(sources, /heron-notes\.pdf · page 2/, 'a source names the document and its page');
    assert.match(sources, /opened in 1987 on Mount Tamsin/, 'a source shows the cited passage');
    assert.match(await first.locator('.answer-meta').innerText(), /^Answered by \S+/);
    await shot(page, 'answer');

    // Open a cited passage: its document's text with the passage highlighted.
    const link = first.locator('.source-link', { hasText: PDF_NAME }).first();
    const [viewer] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await viewer.waitForSelector('mark#passage');
    assert.equal((await viewer.innerText('h1')).trim(), PDF_NAME);
    assert.match(await viewer.innerText('mark#passage'), /Mount Tamsin/);
    await viewer.screenshot({ path: path.join(SHOTS, 'answering-passage.png'), fullPage: true });
    await viewer.close();

    // A follow-up in the same chat: the server keeps both turns in one chat and sends the first
    // along with the second question.
    const chatUrl = page.url();
    const chatId = chatUrl.split('/').at(-1) ?? '';
    await askWithEnter(page, 'Where is it?');
    assert.equal(page.url(), chatUrl, 'still the same chat');
    const chat = (await (await fetch(`${baseUrl}/api/chats/${chatId}`)).json()) as { turns: { question: string; status: string }[] };
    assert.deepEqual(chat.turns.map((t) => t.question), ['When did the Heron observatory open?', 'Where is it?']);

    // Regenerate the first answer: same turn, a new answer id, done again.
    const oldId = await first.getAttribute('data-answer-id');
    await first.locator('.regenerate-button').click();
    await page.waitForFunction((id) => {
      const t = document.querySelector<HTMLElement>('.turn');
      return t?.dataset.status === 'done' && t.dataset.answerId !== id;
    }, oldId);
    assert.equal(await page.locator('.turn').count(), 2, 'regenerating replaces the answer, it adds no turn');

    // Presets change the controls, and each control explains itself in one line.
    await page.click('button.preset[data-preset=creative]');
    assert.equal(await page.inputValue('#setting-temperature'), '1');
    assert.equal(await page.inputValue('#setting-topK'), '80');
    assert.equal(await page.inputValue('#setting-topP'), '0.95');
    assert.equal(await page.getAttribute('button.preset[data-preset=creative]', 'aria-pressed'), 'true');
    await page.click('button.preset[data-preset=precise]');
    assert.equal(await page.inputValue('#setting-temperature'), '0.1');
    assert.equal(await page.getAttribute('button.preset[data-preset=creative]', 'aria-pressed'), 'false');
    const helps = await page.locator('.setting small').allInnerTexts();
    assert.ok(helps.length >= 7 && helps.every((h) => h.trim().length > 10), `a one-line explanation per control: ${JSON.stringify(helps)}`);
    assert.match(await page.innerText('.preset-help'), /Precise: .* · Balanced: .* · Creative: /);

    // Out of range: the message names the field and its range; the field is marked and focused.
    await setSettings(page, { temperature: '5' });
    await page.fill('#question', 'Anything else?');
    await page.press('#question', 'Enter');
    await page.waitForSelector('#ask-error .alert-error');
    const rangeError = await page.innerText('#ask-error');
    assert.match(rangeError, /temperature/i);
    assert.match(rangeError, /2/, `the range is named: ${rangeError}`);
    assert.equal(await page.getAttribute('#setting-temperature', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'setting-temperature');
    assert.equal(await page.locator('.turn').count(), 2, 'a refused question adds no turn');
    await shot(page, 'range-error');

    // Stop during a long answer: the turn stays, marked stopped; the next question works.
    await page.click('button.preset[data-preset=balanced]');
    await setSettings(page, { maxTokens: '2048', temperature: '1.2', repeatPenalty: '1' });
    await page.fill('#question', 'Write a very long story about the observatory.');
    await page.press('#question', 'Enter');
    // Answer text, not the "Reading N passages…" note shown before the first token.
    await page.waitForFunction(() => {
      const text = document.querySelectorAll('.turn')[2]?.querySelector('.answer-text');
      return text !== null && text !== undefined && !text.classList.contains('answer-reading') && (text.textContent ?? '').length > 0;
    });
    assert.equal(await page.isVisible('#stop-button'), true, 'Stop is offered while the answer is written');
    await page.click('#stop-button');
    const stoppedTurn = page.locator('.turn').nth(2);
    await stoppedTurn.locator('.turn-stopped').waitFor();
    assert.equal(await stoppedTurn.getAttribute('data-status'), 'stopped');
    assert.match(await stoppedTurn.locator('.turn-stopped').innerText(), /Stopped before the answer was complete/);
    const partialSeen = await stoppedTurn.locator('.answer-text').innerText();
    assert.ok(partialSeen.length > 0, 'the text written before Stop stays on the page');
    assert.equal(await page.isVisible('#stop-button'), false);
    await setSettings(page, { maxTokens: '32', temperature: '0', repeatPenalty: '1.1' });
    await askWithEnter(page, 'How big is the main mirror?');
    assert.equal(page.url(), chatUrl, 'the question after Stop continues the same chat');
    await shot(page, 'stopped');

    // A second chat, then reopen the first from the list: its turns and settings come back.
    await page.click('.chat-list .new-chat');
    await page.waitForSelector('#empty-chat');
    await setSettings(page, { maxTokens: '24', seed: '3' });
    await askWithEnter(page, 'What does the booklet describe?');
    assert.equal(await page.locator('#chat-list li').count(), 2, 'both chats are listed');
    await page.click(`#chat-list a[data-chat-id="${chatId}"]`);
    await page.waitForSelector('#delete-chat');
    assert.equal(page.url(), chatUrl);
    assert.deepEqual(await page.locator('.turn .question-text').allInnerTexts(), [
      'When did the Heron observatory open?',
      'Where is it?',
      'Write a very long story about the observatory.',
      'How big is the main mirror?',
    ]);
    assert.equal(await page.locator('.turn').nth(2).getAttribute('data-status'), 'stopped');
    assert.equal(await page.locator('.turn').nth(2).locator('.turn-stopped').count(), 1, 'the stopped turn says so when reopened');
    const partialSaved = await page.locator('.turn').nth(2).locator('.answer-text.answer-partial').innerText();
    // The server may have kept a few more tokens than had reached the page when Stop was pressed.
    assert.ok(partialSaved.startsWith(partialSeen.trimEnd()), `the reopened turn shows the partial answer: saw ${JSON.stringify(partialSeen.slice(0, 80))}, reopened ${JSON.stringify(partialSaved.slice(0, 80))}`);
    assert.equal(await page.locator('.turn').nth(2).locator('.regenerate-button').isVisible(), true, 'a stopped answer can be regenerated');
    assert.equal(await page.inputValue('#setting-maxTokens'), '32', "the chat's last settings prefill the form");
    assert.equal(await page.getAttribute(`#chat-list a[data-chat-id="${chatId}"]`, 'aria-current'), 'page');
    await shot(page, 'reopened');

    // Rename from the heading; markup in the title stays text (no dialog may open from it).
    const evil = '<img src=x onerror="alert(1)"> Heron chat';
    page.on('dialog', (d) => pageErrors.push(`unexpected dialog: ${d.message()}`));
    await page.click('#rename-chat');
    await page.fill('.rename-form input', evil);
    await page.press('.rename-form input', 'Enter');
    await page.waitForFunction((t) => document.getElementById('chat-title')?.textContent === t, evil);
    assert.equal(await page.innerText(`#chat-list a[data-chat-id="${chatId}"]`), evil, 'the list shows the new title');
    assert.equal(await page.locator('.rename-form').count(), 0);
    await page.reload();
    assert.equal(await page.innerText('#chat-title'), evil, 'the new title is kept');
    assert.equal(await page.locator('main img').count(), 0, 'the title never became markup');
    // An empty title is refused with a message; Escape leaves the title as it was.
    await page.click('#rename-chat');
    await page.fill('.rename-form input', '   ');
    await page.press('.rename-form input', 'Enter');
    await page.waitForSelector('.rename-error:not(:empty)');
    assert.match(await page.innerText('.rename-error'), /empty/);
    await shot(page, 'rename');
    await page.press('.rename-form input', 'Escape');
    assert.equal(await page.innerText('#chat-title'), evil);
    page.removeAllListeners('dialog');

    // Delete the reopened chat (after the confirmation): back to a new chat, one chat listed.
    page.once('dialog', (d) => void d.accept());
    await page.click('#delete-chat');
    await page.waitForURL(`${baseUrl}/`);
    assert.equal(await page.locator('#chat-list li').count(), 1);
    assert.equal((await fetch(`${baseUrl}/api/chats/${chatId}`)).status, 404);

    // Hundreds of chats: the list shows the newest 50 and grows with "Show more".
    const store = new SqliteChatStore(path.join(svc.dataDir, 'chats.db'));
    try {
      for (let i = 0; i < 120; i++) store.create({ id: `seeded-${i}`, question: `Older chat number ${i}`, settings: DEFAULT_SETTINGS }, 1_000_000 + i);
    } finally {
      store.close();
    }
    await page.reload();
    assert.equal(await page.locator('#chat-list li').count(), 50);
    assert.equal(await page.innerText('#chat-list li:first-child a'), 'What does the booklet describe?', 'newest first');
    for (const shown of [100, 121]) {
      await page.click('#more-chats');
      await page.waitForFunction((n) => document.querySelectorAll('#chat-list li').length === n, shown);
    }
    assert.equal(await page.isVisible('#more-chats'), false, 'no "Show more" once every chat is listed');
    assert.equal(await page.innerText('#chat-list li:last-child a'), 'Older chat number 0');
    // Rename an older chat from the list (its pencil), without opening it.
    await page.click('#chat-list button.rename-chat[data-chat-id="seeded-3"]');
    await page.fill('#chat-list .rename-form input', 'Renamed from the list');
    await page.press('#chat-list .rename-form input', 'Enter');
    await page.waitForFunction(() => document.querySelector('#chat-list a[data-chat-id="seeded-3"]')?.textContent === 'Renamed from the list');
    assert.equal(page.url(), `${baseUrl}/`, 'renaming from the list does not open the chat');
    await page.locator('#chat-list a[data-chat-id="seeded-3"]').scrollIntoViewIfNeeded();
    await shot(page, 'chat-list');
    assert.equal(((await (await fetch(`${baseUrl}/api/chats/seeded-3`)).json()) as { title: string }).title, 'Renamed from the list');

    // Busy: the worker answers a long question, another waits; the page's question is refused.
    const keepers = await holdWorkerBusy(baseUrl);
    try {
      await page.fill('#question', 'Is anyone there?');
      await page.press('#question', 'Enter');
      await page.waitForSelector('#ask-error .alert-error');
      assert.match(await page.innerText('#ask-error'), /Docent is busy answering other questions\. Try again in \d+ s\./);
      assert.equal(await page.locator('.turn').count(), 0, 'a refused question adds no turn');
      assert.equal(await page.isVisible('#empty-chat'), true, 'the empty chat says what to do again');
      assert.equal(await page.inputValue('#question'), 'Is anyone there?', 'the question is kept to send again');
      await shot(page, 'busy');
    } finally {
      keepers.abort();
    }
    assert.deepEqual(pageErrors, [], 'no script errors in the page');
  } catch (err) {
    await shot(page, 'failure').catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
});
