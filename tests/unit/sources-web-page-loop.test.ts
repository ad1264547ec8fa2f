/**
 * Adding a large web page does not stall the web: the article is cut out in a worker thread, so
 * the event loop's longest pause while a 4 MB page is added stays near its longest pause while a
 * tiny page is added (a ratio measured here, the best of three runs each; cutting the article out
 * on the event loop pauses it for the whole parse, many times longer).
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startIngestStack } from '../support/ingest-stack.ts';
import { webPageServer } from '../support/web-page-server.ts';

const paragraph = (i: number) => `<div class="block"><h2>Part ${i}</h2><p>Paragraph ${i} about otters, rivers, holts and the fish they eat at dusk.</p><span>aside</span></div>`;
const pageOf = (n: number) => `<html><head><title>Long page</title></head><body><article>${Array.from({ length: n }, (_, i) => paragraph(i)).join('')}</article></body></html>`;
const big = pageOf(25_000); // about 4 MB
const small = pageOf(5);

const pages = webPageServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(req.url?.startsWith('/big') ? big : small));
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

test('the event loop keeps turning while a large page is added', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-webloop-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  // The worker is held back: only the web's side of adding a page is measured.
  const s = await startIngestStack(dir, 'loop', { cleanup, worker: false, webPages: { fetch: { maxBytes: 16 * 1024 * 1024, timeoutMs: 60_000, allowPrivate: true } } });
  let n = 0;
  const longestPause = async (which: 'big' | 'small'): Promise<number> => {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const res = await fetch(`${s.base}/api/documents/url`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${pages.base}/${which}?${n++}` }) });
    h.disable();
    assert.equal(res.status, 202, await res.text());
    return h.max / 1e6;
  };
  const best = async (which: 'big' | 'small') => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) runs.push(await longestPause(which));
    return Math.min(...runs);
  };
  const smallMs = await best('small');
  const bigMs = await best('big');
  console.log(`longest pause: ${bigMs.toFixed(1)} ms (4 MB page), ${smallMs.toFixed(1)} ms (tiny page)`);
  assert.ok(bigMs < Math.max(smallMs, 20) * 15, `longest pause ${bigMs.toFixed(1)} ms with a 4 MB page, ${smallMs.toFixed(1)} ms with a tiny one`);
});
