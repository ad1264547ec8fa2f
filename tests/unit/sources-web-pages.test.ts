/**
 * "Add a web page" end to end, in-process: a local web server the test starts serves an article
 * page (with navigation and an advert around it); POST /api/documents/url fetches it through the
 * real fetcher, keeps the readable article, and ingests it with the real pipeline (FAISS store,
 * stand-in embedder). Refresh of an unchanged page says so; of a changed page replaces its passages.
 * Refusals reach the API caller with their message and status.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startIngestStack } from '../support/ingest-stack.ts';
import { webPageServer } from '../support/web-page-server.ts';
import { assertStoredWithin, StorageQuota } from '../../src/web/storage-quota.ts';

const page = (body: string) => `<html><head><title>River otters</title></head><body>
<nav><a href="/">Home</a> | <a href="/shop">Shop</a> | <a href="/login">Sign in</a></nav>
<div class="advert">BUY NOW cheap zebra sunglasses</div>
<article><h2>Habitat</h2><p>${body}</p><p>They eat fish, crayfish and frogs, hunting mostly at dusk and dawn. An adult eats a large share of its body weight every day, and young ones learn to swim in shallow water near the den.</p></article>
<footer>Copyright and unrelated footer links</footer></body></html>`;

let content = page('River otters live along clean rivers and build dens called holts among tree roots, sliding down mud banks for play.');
const pages = webPageServer((req, res) => {
  if (req.url === '/otters') return res.writeHead(200, { 'content-type': 'text/html' }).end(content);
  res.writeHead(404).end();
});

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function stack(allowPrivate: boolean, storageBytes?: number) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-webpage-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const quota = storageBytes === undefined ? undefined : new StorageQuota({ maxBytes: storageBytes, dirs: [path.join(dir, 'uploads'), path.join(dir, 'tmp')] });
  const admit = quota && (() => assertStoredWithin(quota));
  return startIngestStack(dir, 'web-pages', { cleanup, webPages: { fetch: { maxBytes: 1024 * 1024, timeoutMs: 5000, allowPrivate }, ...(admit ? { admit } : {}) } });
}

const post = (s: { base: string }, p: string, body?: unknown) =>
  fetch(`${s.base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

test('a web page is fetched, kept as its article, ingested, listed with its address, and refreshed', async () => {
  const s = await stack(true);
  const url = `${pages.base}/otters`;
  const res = await post(s, '/api/documents/url', { url });
  assert.equal(res.status, 202, await res.clone().text());
  const added = (await res.json()) as { id: string; name: string; url: string; duplicate: boolean };
  assert.equal(added.url, url);
  assert.equal(added.name, 'River otters.html');
  assert.equal((await s.settle(added.id)).status, 'ready');
  assert.ok((await s.hitIds('holts tree roots')).includes(added.id));
  // The article only: the advert and navigation are not in any passage.
  const hits = (await (await s.search('BUY NOW cheap zebra sunglasses')).json()) as { results: Array<{ text: string }> };
  assert.ok(hits.results.every((h) => !h.text.includes('zebra') && !h.text.includes('Sign in')), JSON.stringify(hits.results));
  const doc = (await (await fetch(`${s.base}/api/documents/${added.id}`)).json()) as { sourceUrl?: string };
  assert.equal(doc.sourceUrl, url);
  const listing = await (await fetch(`${s.base}/documents`)).text();
  assert.match(listing, /Add a web page/);
  assert.ok(listing.includes(`href="${url}"`) && listing.includes(`hx-post="/documents/${added.id}/refresh"`));

  // Unchanged: the same bytes, nothing re-ingested.
  const same = await post(s, `/api/documents/${added.id}/refresh`);
  assert.equal(same.status, 202);
  const kept = (await same.json()) as { unchanged: boolean; id: string };
  assert.equal(kept.unchanged, true);
  assert.equal(kept.id, added.id);
  assert.equal((await s.get(added.id))?.status, 'ready');

  // Changed: a new document replaces the old one's passages.
  content = page('Beavers moved in upstream and built a dam of birch branches across the whole river.');
  const changed = await post(s, `/api/documents/${added.id}/refresh`);
  assert.equal(changed.status, 202);
  const r = (await changed.json()) as { id: string; unchanged: boolean; replaced: string };
  assert.equal(r.unchanged, false);
  assert.equal(r.replaced, added.id);
  assert.notEqual(r.id, added.id);
  assert.equal((await s.settle(r.id)).status, 'ready');
  assert.equal(await s.waitFor(added.id, (d) => d === null), null);
  assert.ok((await s.hitIds('beavers dam birch branches')).includes(r.id));
  assert.ok(!(await s.hitIds('holts tree roots')).includes(added.id));
  const again = (await (await fetch(`${s.base}/api/documents/${r.id}`)).json()) as { sourceUrl?: string };
  assert.equal(again.sourceUrl, url);
});

test('refusals reach the caller with a message to act on', async () => {
  const s = await stack(false);
  const privateRes = await post(s, '/api/documents/url', { url: `${pages.base}/otters` });
  assert.equal(privateRes.status, 400);
  assert.match(((await privateRes.json()) as { error: string }).error, /private network.*ALLOW_PRIVATE_URLS=true/);
  assert.equal((await post(s, '/api/documents/url', { url: 'file:///etc/passwd' })).status, 400);
  const missing = await post(s, '/api/documents/url', {});
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: string }).error, /Give the address of the page in "url"/);
  const open = await stack(true);
  const notFound = await post(open, '/api/documents/url', { url: `${pages.base}/nope` });
  assert.equal(notFound.status, 502);
  assert.match(((await notFound.json()) as { error: string }).error, /^HTTP 404 from the site/);
  assert.equal((await post(open, '/api/documents/0000/refresh')).status, 404);
});

test('a page past MAX_STORAGE_MB is refused with 507 and nothing of it is kept', async () => {
  const s = await stack(true, 100);
  const res = await post(s, '/api/documents/url', { url: `${pages.base}/otters` });
  assert.equal(res.status, 507, await res.clone().text());
  assert.match(((await res.json()) as { error: string }).error, /MAX_STORAGE_MB/);
  const dir = path.dirname(s.uploadsDir);
  assert.deepEqual(await fs.readdir(path.join(dir, 'tmp')).catch(() => []), []);
});

test('the Documents page form adds a page (urlencoded; htmx answers with the outcome)', async () => {
  const s = await stack(true);
  const res = await fetch(`${s.base}/documents/url`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'HX-Request': 'true' },
    body: new URLSearchParams({ url: `${pages.base}/otters` }).toString(),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(await res.text(), /Added:<\/strong> River otters\.html/);
});
