/**
 * "Add a web page" and Refresh in real Chromium against the REAL all-in-one service (small test
 * models, in-process bus, ALLOW_PRIVATE_URLS=true so it may fetch from the loopback address): the
 * test serves an article from its own HTTP server, adds it through the Documents page form, sees
 * it listed with its address and ready, and found by search; then the article changes on the
 * server, Refresh is pressed on its row, the row goes through ingestion to ready again, and search
 * finds the new text while the old text is gone from the index.
 *
 * Needs /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 90_000;

/** An article page: a title and a few paragraphs about the harbour's ferry, one of them `news`. */
function article(news: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Harbour ferry news</title></head><body>
<nav><a href="/">Home</a></nav>
<article><h1>Harbour ferry news</h1>
<p>The harbour ferry links the old town with the island every day of the year, in all but the worst storms.</p>
<p>${news}</p>
<p>Tickets are sold on board; bicycles and dogs travel free, and the crossing takes about twenty minutes.</p>
</article></body></html>`;
}
const OLD = 'The Marrowind ferry leaves the quay at seven each morning from the eastern slipway.';
const NEW = 'The Tessaly Gull ferry now leaves at half past eight from the western pontoon.';

let served = article(OLD);
let fetches = 0;
const server = http.createServer((req, res) => {
  fetches++;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(served);
});
let svc: E2eService | undefined;
let url: string;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ferry-news.html`;
  svc = await startE2eService({ ALLOW_PRIVATE_URLS: 'true' });
});
after(async () => {
  await svc?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Hit { documentName: string; text: string }

test('a web page added through the form is listed and searchable; after Refresh its new text is found and the old is gone', async () => {
  const s = svc!;
  const page = await s.browser.newPage();
  const search = async (q: string): Promise<Hit[]> => {
    const res = await page.request.get(`${s.baseUrl}/api/search?q=${encodeURIComponent(q)}&k=5`);
    assert.equal(res.status(), 200, await res.text());
    return ((await res.json()) as { results: Hit[] }).results;
  };
  const holds = (hits: Hit[], words: string): boolean => hits.some((h) => h.text.includes(words));
  try {
    await page.goto(`${s.baseUrl}/documents`);
    await page.fill('#web-page-url', url);
    await page.click('#web-page-form button[type=submit]');
    await page.locator('#web-page-result .alert-ok').waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.match(await page.locator('#web-page-result').innerText(), /Added: .*Harbour ferry news/i);

    // Listed with its address, and ready once the ingest is done (the list follows it live).
    const row = page.locator('#document-rows tr[data-id]', { has: page.locator(`.source-url a[href="${url}"]`) });
    await row.and(page.locator('[data-status="ready"]')).waitFor({ timeout: STEP_TIMEOUT_MS });
    const id = await row.getAttribute('data-id');
    assert.ok(id);
    assert.equal(fetches, 1);

    const before = await search('When does the Marrowind ferry leave the quay?');
    assert.ok(holds(before, 'Marrowind ferry leaves the quay at seven'), JSON.stringify(before));

    // The article changes on its server; Refresh fetches it again and replaces its passages.
    served = article(NEW);
    await row.locator('.refresh-button').click();
    // The new content is a new document (ids are content hashes) that replaces the old one.
    const again = page.locator(`#document-rows tr[data-id]:not([data-id="${id}"])`, { has: page.locator(`.source-url a[href="${url}"]`) });
    await page.getByText('changed: its passages are being replaced').waitFor({ timeout: STEP_TIMEOUT_MS });
    assert.equal(fetches, 2, 'Refresh fetched the page again');
    await again.and(page.locator('[data-status="ready"]')).waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.locator(`#document-rows tr[data-id="${id}"]`).waitFor({ state: 'detached', timeout: STEP_TIMEOUT_MS });
    assert.equal(await row.count(), 1, 'still one document: replaced, not added beside the old one');
    const listed = (await (await page.request.get(`${s.baseUrl}/api/documents`)).json()) as { documents: Array<{ id: string; sourceUrl?: string }> };
    assert.deepEqual(listed.documents.filter((d) => d.sourceUrl === url).map((d) => d.id), [await again.getAttribute('data-id')]);

    const after = await search('When does the Tessaly Gull ferry leave?');
    assert.ok(holds(after, 'Tessaly Gull ferry now leaves at half past eight'), JSON.stringify(after));
    const old = await search('When does the Marrowind ferry leave the quay?');
    assert.ok(!old.some((h) => h.text.includes('Marrowind')), `the old text is still found: ${JSON.stringify(old)}`);
  } catch (err) {
    const docs = await (await fetch(`${s.baseUrl}/api/documents`)).text();
    const rows = await page.locator('#document-rows').innerHTML().catch(() => '');
    throw new Error(`${String(err)}\n--- documents\n${docs}\n--- rows\n${rows}\n--- service output\n${s.tail()}`, { cause: err });
  } finally {
    await page.close();
  }
});
