/**
 * The Documents page's drop zone in real Chromium against the REAL all-in-one service (small test
 * models, in-process bus): several files chosen at once (one of them a PNG), a folder through the
 * folder picker (with a hidden file and an unsupported one), and a drop built in the page.
 * Uploads are throttled (Chromium's network emulation) so each file's progress bar is seen part-way
 * and at most two files are seen uploading at once; the PNG is listed as skipped before anything is
 * sent; every other file's bar reaches its whole size, then follows ingestion to `ready`, and the
 * library lists the documents ready; a file dropped again is reported as already uploaded.
 * Screenshot in test-results/upload-drop.png.
 *
 * Needs /usr/bin/chromium and the test models (`npm run models:test`); missing either fails.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startE2eService, type E2eService } from '../support/e2e-service.ts';

const STEP_TIMEOUT_MS = 120_000;
const FINAL = ['skipped', 'duplicate', 'ready', 'failed', 'deleted'];

let svc: E2eService | undefined;
before(async () => {
  svc = await startE2eService();
});
after(async () => {
  await svc?.close();
});

/** About `bytes` of distinct English text (distinct: each file is its own document). */
function prose(topic: string, bytes: number): string {
  const lines: string[] = [];
  for (let i = 0; lines.join('\n').length < bytes; i++) lines.push(`Note ${i} about ${topic}: the ${topic} team met on day ${i} and wrote down what they learned.`);
  return lines.join('\n');
}

interface Seen { path: string; states: string[]; sent: number[]; total: number; status: string }

/** Records, per upload row, every state it shows and every byte count its bar shows, and the most rows uploading at once. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: Record<string, { states: string[]; sent: number[] }>; maxUploading: number };
    w.seen = {};
    w.maxUploading = 0;
    // No named functions in here: the test's compiler would wrap them in a helper the page lacks.
    new MutationObserver((records) => {
      const rows = new Set<Element>();
      for (const r of records) {
        if (r.target instanceof Element && r.target.matches('.upload-item')) rows.add(r.target);
        r.addedNodes.forEach((n) => n instanceof Element && n.querySelectorAll('.upload-item').forEach((li) => rows.add(li)));
      }
      for (const li of rows) {
        const name = li.querySelector('.upload-name')?.textContent ?? '?';
        const s = (w.seen[name] ??= { states: [], sent: [] });
        const state = li.getAttribute('data-state') ?? '';
        if (s.states.at(-1) !== state) s.states.push(state);
        const sent = Number(li.getAttribute('data-sent') ?? NaN);
        if (!Number.isNaN(sent) && s.sent.at(-1) !== sent) s.sent.push(sent);
      }
      w.maxUploading = Math.max(w.maxUploading, document.querySelectorAll('.upload-item[data-state=uploading]').length);
    }).observe(document.getElementById('upload-result')!, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-sent'] });
  });
}

/** Waits until every upload row is final; returns each row as recorded. */
async function settle(page: Page, count: number): Promise<Seen[]> {
  await page.waitForFunction(
    ({ count, final }) => {
      const rows = Array.from(document.querySelectorAll('.upload-item'));
      return rows.length === count && rows.every((li) => final.includes(li.getAttribute('data-state') ?? ''));
    },
    { count, final: FINAL },
  );
  return page.evaluate(() => {
    const w = window as unknown as { seen: Record<string, { states: string[]; sent: number[] }> };
    return Array.from(document.querySelectorAll('.upload-item')).map((li) => {
      const p = li.querySelector('.upload-name')?.textContent ?? '?';
      return { path: p, states: w.seen[p]?.states ?? [], sent: w.seen[p]?.sent ?? [], total: Number(li.getAttribute('data-total') ?? 0), status: li.querySelector('.upload-status')?.textContent ?? '' };
    });
  });
}

function row(rows: Seen[], p: string): Seen {
  return rows.find((r) => r.path === p) ?? assert.fail(`no upload row for ${p}: ${JSON.stringify(rows)}`);
}

/** A file that was uploaded whole and followed through ingestion to ready. */
function assertReady(r: Seen, why: string): void {
  assert.equal(r.states.at(-1), 'ready', `${r.path} ${why}: ${JSON.stringify(r)}`);
  assert.ok(r.states.indexOf('uploading') >= 0 && r.states.indexOf('uploading') < r.states.indexOf('ready'), `${r.path} was seen uploading first: ${r.states.join(' > ')}`);
  assert.ok(r.total > 0 && r.sent.at(-1) === r.total, `${r.path}'s bar reached its whole size: ${JSON.stringify(r)}`);
}

void test('files, a folder and a drop: skipped ones listed first, each file’s bar reaches done, then its ingestion reaches ready', async () => {
  assert.ok(svc, 'service started');
  const service = svc;
  const page = await service.browser.newPage({ viewport: { width: 1100, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  await fsp.mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  try {
    const dir = await service.tmpDir('docent-e2e-drop-');
    const files = {
      'harbour.txt': prose('harbour', 48_000),
      'orchard.md': `# Orchard\n\n${prose('orchard', 40_000)}`,
      'lighthouse.html': `<!doctype html><html><head><title>Lighthouse</title></head><body><p>${prose('lighthouse', 30_000)}</p></body></html>`,
    };
    for (const [name, text] of Object.entries(files)) await fsp.writeFile(path.join(dir, name), text);
    await fsp.writeFile(path.join(dir, 'clip.gif'), Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));

    await page.goto(`${service.baseUrl}/documents`);
    assert.equal(await page.isVisible('#folder'), true, 'the folder picker shows once the script runs');
    // Slow uploads down so progress is seen part-way (about 64 KB/s for the whole page).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
    await record(page);

    // 1. Several files at once through the file picker, one of them unsupported.
    await page.setInputFiles('#file', [...Object.keys(files), 'clip.gif'].map((n) => path.join(dir, n)));
    await page.click('#upload-form button[type=submit]');
    // The PNG is listed as skipped at once, before any file is through.
    const skipped = page.locator('.upload-item[data-state=skipped]');
    await skipped.waitFor();
    assert.match(await skipped.innerText(), /clip\.gif\s+skipped: not a supported type \(\.gif\); Docent accepts PDF \(scans too\), Word \(\.docx\), PowerPoint \(\.pptx\), .*images of text/);
    let rows = await settle(page, 4);
    for (const name of Object.keys(files)) assertReady(row(rows, name), 'from the file picker');
    assert.deepEqual(row(rows, 'clip.gif').states, ['skipped'], 'the GIF was never sent');
    const harbour = row(rows, 'harbour.txt');
    assert.ok(harbour.sent.some((n) => n > 0 && n < harbour.total), `the bar showed part of harbour.txt sent: ${JSON.stringify(harbour.sent)}`);
    const maxUploading = await page.evaluate(() => (window as unknown as { maxUploading: number }).maxUploading);
    assert.equal(maxUploading, 2, 'two files upload at once, never more');
    assert.match(await page.innerText('#upload-result .upload-title'), /^Done: 3 ready, 1 skipped$/);
    await page.screenshot({ path: path.join(ROOT, 'test-results/upload-drop.png'), fullPage: true });

    // 2. A folder through the folder picker: a nested file, a hidden one (left out), an unsupported one.
    const folder = path.join(await service.tmpDir('docent-e2e-folder-'), 'field-notes');
    await fsp.mkdir(path.join(folder, 'week-1'), { recursive: true });
    await fsp.writeFile(path.join(folder, 'week-1', 'tides.md'), `# Tides\n\n${prose('tide', 6_000)}`);
    await fsp.writeFile(path.join(folder, '.secret.md'), 'hidden');
    await fsp.writeFile(path.join(folder, 'data.bin'), Buffer.from([0, 1, 2, 3]));
    await page.setInputFiles('#folder', folder);
    await page.click('#upload-form button[type=submit]');
    rows = await settle(page, 2);
    assertReady(row(rows, 'field-notes/week-1/tides.md'), 'from the folder picker');
    assert.match(row(rows, 'field-notes/data.bin').status, /^skipped: not a supported type \(\.bin\)/);
    assert.equal((await page.innerText('#upload-result .upload-hidden')).trim(), 'Left out 1 hidden file or folder (names starting with a dot).');

    // 3. A drop: a new file and one uploaded before (reported as such), in a DataTransfer built in the page.
    await page.evaluate(
      ({ fresh, again }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([fresh], 'dropped.txt', { type: 'text/plain' }));
        dt.items.add(new File([again], 'orchard-again.md', { type: '' }));
        const zone = document.getElementById('upload-form')!;
        for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { fresh: prose('drop', 8_000), again: files['orchard.md'] },
    );
    rows = await settle(page, 2);
    assertReady(row(rows, 'dropped.txt'), 'dropped');
    assert.equal(row(rows, 'orchard-again.md').states.at(-1), 'duplicate');
    assert.equal(row(rows, 'orchard-again.md').status, 'already uploaded, nothing new to ingest');

    // The library shows every uploaded document ready.
    for (const name of [...Object.keys(files), 'tides.md', 'dropped.txt']) {
      await page.waitForSelector(`#document-list tr[data-status=ready]:has(td.name[title="${name}"])`);
    }
    assert.equal(await page.locator('#document-list tr[data-id]').count(), 5);
    assert.deepEqual(pageErrors, [], 'no script errors in the page');
  } catch (err) {
    await page.screenshot({ path: path.join(ROOT, 'test-results/upload-drop-failure.png'), fullPage: true }).catch(() => undefined);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nservice output:\n${service.tail()}`, { cause: err });
  } finally {
    await page.close();
  }
});
