/** Server-rendered pages and htmx fragments: content, escaping of untrusted text, htmx error fragments. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emptySummary, fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_UPLOAD_MB: '1' });
});
after(async () => {
  await srv.close();
});

const page = async (p: string, headers: Record<string, string> = {}) => {
  const res = await fetch(srv.url + p, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), headers: res.headers };
};

void describe('Ask page', () => {
  void test('has the question box, every setting with its range and help, the nav and local scripts only', async () => {
    const { status, text } = await page('/');
    assert.equal(status, 200);
    assert.match(text, /<textarea id="question"/);
    const ranges: [string, string][] = [['temperature', '0–2'], ['topK', '1–100'], ['topP', '0–1'], ['maxTokens', '1–2048'], ['k', '1–20']];
    for (const [name, range] of ranges) {
      assert.match(text, new RegExp(`name="${name}"`));
      assert.ok(text.includes(range), `${name} shows ${range}`);
    }
    assert.match(text, /name="seed"/);
    assert.match(text, /Randomness of word choice/);
    assert.match(text, /href="\/documents"/);
    assert.match(text, /href="\/analytics"/);
    const scripts = [...text.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    assert.ok(scripts.length >= 2);
    for (const s of scripts) assert.match(s, /src="\/static\//, 'no inline or remote script');
  });
});

void describe('Documents page', () => {
  void test('a hostile document name is escaped', async () => {
    srv.services.docs = [fakeDocument({ name: '<script>alert(1)</script>', error: '<img src=x onerror=alert(2)>' , status: 'failed' })];
    const { text } = await page('/documents');
    assert.ok(!text.includes('<script>alert(1)</script>'));
    assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!text.includes('<img src=x'));
  });

  void test('list shows status, pages, chunks, a progress bar with what is being counted, and never polls', async () => {
    srv.services.docs = [fakeDocument()];
    let { text } = await page('/documents/list');
    assert.match(text, /badge-ready/);
    assert.match(text, /<td class="num pages-cell">3<\/td>/);
    assert.match(text, /<td class="num chunks-cell">7<\/td>/);
    assert.doesNotMatch(text, /every \d/);
    srv.services.docs = [fakeDocument({ status: 'processing', stage: 'embedding', progress: 0.4, pages: null, chunks: 40, done: 12, total: 40 })];
    ({ text } = await page('/documents/list'));
    assert.match(text, /hx-trigger="documents-changed from:body"/, 'live progress comes over SSE, not polling');
    assert.match(text, /<progress max="100" value="40">/);
    assert.match(text, /embedding chunk 12\/40 · 40%/);
  });

  void test('each row has a delete button with a confirmation; the htmx delete swaps in the deleting row, 404 when unknown', async () => {
    srv.services.docs = [fakeDocument({ name: 'a"b.pdf' })];
    const { text } = await page('/documents/list');
    assert.match(text, /hx-delete="\/documents\/doc-1"/);
    assert.match(text, /hx-confirm="Delete a&quot;b.pdf\?/);
    const res = await fetch(srv.url + '/documents/doc-1', { method: 'DELETE', headers: { 'HX-Request': 'true' } });
    assert.equal(res.status, 200);
    const row = await res.text();
    assert.match(row, /data-status="deleting"/);
    assert.doesNotMatch(row, /hx-delete/, 'no second delete button while deleting');
    assert.deepEqual(srv.services.deleted, ['doc-1']);
    const missing = await fetch(srv.url + '/documents/nope', { method: 'DELETE', headers: { 'HX-Request': 'true' } });
    assert.equal(missing.status, 404);
  });

  void test('empty state', async () => {
    srv.services.docs = [];
    assert.match((await page('/documents')).text, /No documents yet/);
  });

  void test('htmx upload returns a confirmation and triggers a list refresh', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a<b>.txt');
    const res = await fetch(srv.url + '/documents', { method: 'POST', body: form, headers: { 'HX-Request': 'true' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('hx-trigger'), 'documents-changed');
    const text = await res.text();
    assert.match(text, /Uploaded/);
    assert.match(text, /a&lt;b&gt;.txt/);
  });

  void test('htmx upload errors come back as an alert fragment (no file, too large)', async () => {
    const none = await fetch(srv.url + '/documents', { method: 'POST', body: new FormData(), headers: { 'HX-Request': 'true' } });
    assert.equal(none.status, 400);
    assert.match(none.headers.get('content-type') ?? '', /html/);
    assert.match(await none.text(), /<div class="alert alert-error" role="alert"[^>]*>.*Choose a file to upload/);
    const big = new FormData();
    big.append('file', new Blob([new Uint8Array(1024 * 1024 + 1)]), 'big.pdf');
    const tooBig = await fetch(srv.url + '/documents', { method: 'POST', body: big, headers: { 'HX-Request': 'true' } });
    assert.equal(tooBig.status, 413);
    assert.match(await tooBig.text(), /too large: the limit is 1 MB/);
  });
});

void describe('Analytics page', () => {
  void test('empty state and range selector', async () => {
    srv.services.summaryFor = emptySummary;
    const { status, text } = await page('/analytics?range=day');
    assert.equal(status, 200);
    assert.match(text, /No answers in this period yet/);
    assert.match(text, /href="\/analytics\?range=hour"/);
    assert.match(text, /aria-current="true" class="active">Last day/);
    assert.match(text, /src="\/static\/chart.js"/);
  });

  void test('numbers, chart data, AFINN note and recent answers (escaped)', async () => {
    srv.services.summaryFor = (range) => ({
      ...emptySummary(range),
      answers: 3,
      votes: { up: 2, down: 1 },
      satisfaction: 2 / 3,
      latencyMs: {
        total: { p50: 1500, p95: 4200 },
        queueWait: { p50: 5, p95: 9 },
        retrieval: { p50: 20, p95: 30 },
        firstToken: { p50: 300, p95: 900 },
        generation: { p50: 1100, p95: 3000 },
      },
      sentiment: { question: 0.1, answer: -0.05 },
      tokensPerSecond: 42.5,
      recent: [
        { answerId: 'a1', question: '<b>why?</b>', answer: 'because', vote: 'up', totalMs: 1500, questionSentiment: 0, answerSentiment: 0.2, worker: 'w1', at: 1 },
      ],
    });
    const { text } = await page('/analytics');
    assert.match(text, /67%/);
    assert.match(text, /1.50 s/);
    assert.match(text, /4.20 s/);
    assert.match(text, /42.5/);
    assert.match(text, /AFINN comparative/);
    assert.match(text, /data-chart="\{&quot;labels&quot;:\[&quot;Queue wait&quot;/);
    assert.match(text, /&lt;b&gt;why\?&lt;\/b&gt;/);
    assert.match(text, /hx-trigger="every 5s"/);
    const panel = await page('/analytics/panel?range=hour', { 'HX-Request': 'true' });
    assert.match(panel.text, /^<div id="analytics-panel"/);
  });

  void test('bad range on the page -> 400 page; as htmx -> alert fragment', async () => {
    const plain = await page('/analytics?range=year');
    assert.equal(plain.status, 400);
    assert.match(plain.text, /<!doctype html>/);
    const hx = await page('/analytics/panel?range=year', { 'HX-Request': 'true' });
    assert.equal(hx.status, 400);
    assert.match(hx.text, /^<div class="alert alert-error"/);
  });
});
