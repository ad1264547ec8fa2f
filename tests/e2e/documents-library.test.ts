/**
 * The Documents library in a real browser (Debian's Chromium), over the web app with the real
 * document and collection services on an in-memory registry (no models or brokers): one page is
 * shown and "Load more" appends the next; the search box and a sort header swap the list keeping
 * each other's state; "Select all shown" and Delete (confirmation naming how many) and Move act on
 * the selection; a new upload announced by the event stream appears at the top and is updated live.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { INGEST_CONTRACT_VERSION, type DocumentStatus } from '../../src/contracts/ingest.ts';
import { EXCHANGES } from '../../src/contracts/names.ts';
import { createCollectionService } from '../../src/documents/collection-service.ts';
import { createDocumentService } from '../../src/documents/document-service.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import { launchChromium } from '../support/e2e-service.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const N = 120;
const T0 = Date.UTC(2026, 0, 1);
let srv: TestServer;
let bus: MessageBus;
let browser: Browser;
let page: Page;
const cleanup: Array<() => unknown> = [];

before(async () => {
  const logger = pino({ level: 'silent' });
  const services = new FakeServices();
  bus = createMemoryMessageBus({ logger });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-e2e-library-'));
  const documents = await createDocumentService({ bus, registry: services.registry, uploadsDir: path.join(dir, 'uploads'), logger });
  // The real service (its reindex is optional: the fake's is not; this page never calls it).
  services.documents = documents as unknown as FakeServices['documents'];
  services.collections = createCollectionService({ registry: services.registry, documents, bus, logger });
  services.collections.create({ name: 'Archive' });
  for (let i = 0; i < N; i++) {
    const id = `doc-${String(i).padStart(3, '0')}`;
    services.registry.queue({ id, name: `${i % 10 === 0 ? 'Minutes' : 'Report'} ${String(i).padStart(3, '0')}.pdf`, mediaType: 'application/pdf', size: 1000 + i }, T0 + i * 1000);
    services.registry.collections.add(id, 'general');
    await event(id, `doc ${i}`, 'ready', 'indexed', T0 + i * 1000);
  }
  srv = await startTestServer({}, services);
  browser = await launchChromium();
  page = await browser.newPage();
  cleanup.push(() => browser.close(), () => srv.close(), () => documents.close(), () => bus.close(), () => fs.rm(dir, { recursive: true, force: true }));
});
after(async () => {
  for (const c of cleanup) await c();
});

/** An ingest event, as the ingest worker would broadcast it. */
async function event(documentId: string, name: string, status: DocumentStatus, stage: string, at = Date.now()): Promise<void> {
  await bus.broadcast(EXCHANGES.ingestEvents, { v: INGEST_CONTRACT_VERSION, documentId, name, status, stage, progress: status === 'ready' ? 1 : 0, pages: 1, chunks: 2, error: null, at });
}

const rows = () => page.locator('#document-rows tr[data-id]');
const count = () => page.locator('#document-count').innerText();

test('one page, Load more, search and sort, bulk delete and move, live rows', async () => {
  await page.goto(`${srv.url}/documents`);
  assert.equal(await rows().count(), 50);
  assert.equal(await count(), 'Showing 50 of 120 documents');
  await page.click('#more-documents');
  await page.waitForFunction(() => document.querySelectorAll('#document-rows tr').length === 100);
  await page.click('#more-documents');
  await page.waitForFunction(() => document.querySelectorAll('#document-rows tr').length === 120);
  assert.equal(await page.locator('#more-documents').count(), 0, 'no Load more after the last page');
  assert.equal(await count(), 'Showing 120 of 120 documents');
  assert.equal(new Set(await rows().evaluateAll((trs) => trs.map((t) => t.getAttribute('data-id')))).size, 120);

  // A new upload appears at the top of the newest-first list, and its progress is shown live.
  await event('doc-new', 'Fresh upload.pdf', 'queued', 'stored');
  await page.waitForFunction(() => document.querySelector('#document-rows tr')?.getAttribute('data-id') === 'doc-new');
  await event('doc-new', 'Fresh upload.pdf', 'ready', 'indexed');
  await page.waitForFunction(() => document.querySelector('#document-rows tr[data-id="doc-new"] .chunks-cell')?.textContent === '2');
  await page.waitForFunction(() => document.querySelector('#document-rows tr[data-id="doc-new"] .delete-button') !== null);

  // Search, then sort by name: the search stays; then the status filter: the sort stays.
  await page.fill('input[name=q]', 'minutes');
  await page.waitForFunction(() => document.querySelectorAll('#document-rows tr').length === 12);
  await page.click('a.sort-link[title="Sort by name"]');
  await page.waitForFunction(() => document.querySelector('#document-list')?.getAttribute('data-query') === 'q=minutes&sort=name');
  assert.equal(await rows().first().locator('td.name').innerText().then((t) => t.split('\n')[0]), 'Minutes 000.pdf');
  await page.selectOption('select[name=status]', 'ready');
  await page.waitForFunction(() => document.querySelector('#document-list')?.getAttribute('data-query') === 'q=minutes&status=ready&sort=name');
  assert.equal(await rows().count(), 12);

  // Move two to Archive.
  const boxes = page.locator('#document-rows .row-select');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  assert.equal(await page.innerText('#selected-count'), '2 selected');
  await page.selectOption('#bulk-move-to', { label: 'Archive' });
  await page.click('#bulk-move');
  await page.waitForFunction(() => document.getElementById('bulk-result')?.textContent === 'Moved 2 documents.');
  assert.equal(await rows().nth(0).locator('.collections-cell').innerText(), 'Archive');

  // Select all shown, delete after a confirmation naming how many.
  let confirmed = '';
  page.once('dialog', (d) => {
    confirmed = d.message();
    void d.accept();
  });
  await page.check('#select-all');
  assert.equal(await page.innerText('#selected-count'), '12 selected');
  await page.click('#bulk-delete');
  await page.waitForFunction(() => document.getElementById('bulk-result')?.textContent === 'Deleting 12 documents.');
  assert.match(confirmed, /^Delete 12 documents\?/);
  assert.equal(await page.locator('#document-rows tr[data-status="deleting"]').count(), 12);
  assert.equal(await page.locator('#document-rows .delete-button').count(), 0);
  // The worker reports one gone: its row leaves.
  await event('doc-000', 'Minutes 000.pdf', 'deleted', 'deleted');
  await page.waitForFunction(() => document.querySelectorAll('#document-rows tr').length === 11);
});
