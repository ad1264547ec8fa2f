/** JSON API routes with fake services over real HTTP: documents, search, votes, analytics, probes, static. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_UPLOAD_MB: '1' });
});
after(async () => {
  await srv.close();
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(srv.url + p, { headers });
const postJson = (p: string, body: unknown) =>
  fetch(srv.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function upload(files: { name: string; content: Uint8Array<ArrayBuffer> | string }[], p = '/api/documents', headers: Record<string, string> = {}) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.content]), f.name);
  return fetch(srv.url + p, { method: 'POST', body: form, headers });
}

async function tmpFiles(): Promise<string[]> {
  return fs.readdir(path.join(srv.dataDir, 'tmp')).catch(() => []);
}

void describe('POST /api/documents', () => {
  void test('accepts several files, hands temp files with random names to the service, answers 202', async () => {
    const res = await upload([
      { name: 'notes.txt', content: 'hello' },
      { name: '../../etc/evil.md', content: '# hi' },
    ]);
    assert.equal(res.status, 202);
    const body = (await res.json()) as { documents: { id: string; name: string; status: string; duplicate: boolean }[] };
    assert.deepEqual(body.documents.map((d) => [d.name, d.status, d.duplicate]), [
      ['notes.txt', 'queued', false],
      // busboy keeps only the base name: a path in the name goes nowhere near the file system.
      ['evil.md', 'queued', false],
    ]);
    const files = srv.services.uploads.at(-1) ?? [];
    assert.equal(files.length, 2);
    for (const f of files) {
      assert.equal(path.dirname(f.tempPath), path.join(srv.dataDir, 'tmp'));
      assert.match(path.basename(f.tempPath), /^upload-[0-9a-f-]{36}$/);
    }
    assert.equal(files[0]?.size, 5);
  });

  void test('no file -> 400 asking to choose one', async () => {
    const res = await fetch(srv.url + '/api/documents', { method: 'POST', body: new FormData() });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'Choose a file to upload.', field: 'file' });
  });

  void test('empty file -> 400 naming it, temp file removed', async () => {
    const res = await upload([{ name: 'empty.txt', content: '' }]);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /"empty.txt" is empty/);
    assert.deepEqual(await tmpFiles(), []);
  });

  void test('a file over the limit -> 413 naming the limit in MB, no temp file left', async () => {
    const res = await upload([{ name: 'big.pdf', content: new Uint8Array(1024 * 1024 + 10) }]);
    assert.equal(res.status, 413);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, /too large.*1 MB/);
    assert.deepEqual(await tmpFiles(), []);
  });

  void test('the service refusing the file (wrong type) -> 400 with its message, temp file removed', async () => {
    srv.services.rejectUpload = 'photo.png is not a PDF, text or Markdown file.';
    try {
      const res = await upload([{ name: 'photo.png', content: 'PNG' }]);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { error: 'photo.png is not a PDF, text or Markdown file.' });
      assert.deepEqual(await tmpFiles(), []);
    } finally {
      srv.services.rejectUpload = undefined;
    }
  });
});

void describe('GET /api/documents', () => {
  void test('lists documents and returns one by id, 404 otherwise', async () => {
    srv.services.docs.push(fakeDocument({ id: 'known' }));
    const list = (await (await get('/api/documents')).json()) as { documents: { id: string }[] };
    assert.ok(list.documents.some((d) => d.id === 'known'));
    const one = await get('/api/documents/known');
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { pages: number }).pages, 3);
    const missing = await get('/api/documents/nope');
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /No document with id "nope"/);
  });
});

void describe('GET /api/search', () => {
  void test('returns results with document, page, text, score, passage id, offsets, headings and collection', async () => {
    const res = await get('/api/search?q=cat&k=1');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      results: [
        { documentId: 'doc-1', documentName: 'handbook.pdf', page: 2, location: 'page 2', text: 'The lighthouse keeper feeds the cat at 6 pm.', score: 0.83 },
      ].map((r) => ({ ...r, similarity: null, lexicalScore: null, chunkId: 'doc-1:0', start: 0, end: 44, headingPath: null, collection: null })),
    });
  });

  void test('q is required', async () => {
    const res = await get('/api/search?q=%20');
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'q is required: the text to search for.', field: 'q' });
  });

  for (const k of ['0', '21', 'abc', '2.5']) {
    void test(`k=${k} -> 400 naming k and 1..20`, async () => {
      const res = await get(`/api/search?q=cat&k=${k}`);
      assert.equal(res.status, 400);
      assert.deepEqual(await res.json(), { error: 'k must be a whole number between 1 and 20.', field: 'k' });
    });
  }
});

void describe('POST /api/votes', () => {
  void test('JSON vote -> 202 {ok:true} and reaches the service', async () => {
    const res = await postJson('/api/votes', { answerId: 'a1', vote: 'up' });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { ok: true });
    assert.deepEqual(srv.services.votesCast.at(-1), { answerId: 'a1', vote: 'up' });
  });

  void test('a form-encoded vote is refused (415): JSON routes take JSON only, which no cross-site form can send', async () => {
    const before = srv.services.votesCast.length;
    const res = await fetch(srv.url + '/api/votes', { method: 'POST', body: new URLSearchParams({ answerId: 'a2', vote: 'down' }) });
    assert.equal(res.status, 415);
    assert.match(((await res.json()) as { error: string }).error, /Content-Type: application\/json/);
    assert.equal(srv.services.votesCast.length, before);
  });

  void test('bad vote -> 400', async () => {
    const res = await postJson('/api/votes', { answerId: 'a1', vote: 'sideways' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'vote must be "up" or "down".', field: 'vote' });
    const noId = await postJson('/api/votes', { vote: 'up' });
    assert.equal(noId.status, 400);
  });

  void test('malformed JSON -> 400 with a message', async () => {
    const res = await fetch(srv.url + '/api/votes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"vote":' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'The request body is not valid JSON.' });
  });
});

void describe('GET /api/analytics/summary', () => {
  void test('defaults to all and passes the range on', async () => {
    assert.equal(((await (await get('/api/analytics/summary')).json()) as { range: string }).range, 'all');
    assert.equal(((await (await get('/api/analytics/summary?range=week')).json()) as { range: string }).range, 'week');
  });

  void test('bad range -> 400 listing the ranges', async () => {
    const res = await get('/api/analytics/summary?range=month');
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'range must be one of hour, day, week, all.', field: 'range' });
  });
});

void describe('probes, static files, headers', () => {
  void test('healthz 200; readyz 200 only when every check is ok', async () => {
    assert.deepEqual(await (await get('/healthz')).json(), { status: 'ok' });
    assert.equal((await get('/readyz')).status, 200);
    srv.services.readinessChecks = { index: 'ok', chatModel: 'loading' };
    try {
      const res = await get('/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(((await res.json()) as { checks: unknown }).checks, { index: 'ok', chatModel: 'loading' });
    } finally {
      srv.services.readinessChecks = { index: 'ok' };
    }
  });

  void test('readyz shows a degraded dependency without failing readiness', async () => {
    const ok = (await (await get('/readyz')).json()) as Record<string, unknown>;
    assert.equal(ok.degraded, undefined, 'nothing degraded: no degraded field');
    srv.services.degradedChecks = { analyticsEvents: 'Kafka unreachable (connection refused); 3 events waiting' };
    try {
      const res = await get('/readyz');
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { degraded: unknown }).degraded, { analyticsEvents: 'Kafka unreachable (connection refused); 3 events waiting' });
    } finally {
      srv.services.degradedChecks = { analyticsEvents: 'ok' };
    }
  });

  void test('htmx 4 and chart.js are served locally as JavaScript', async () => {
    const htmx = await get('/static/htmx.js');
    assert.equal(htmx.status, 200);
    assert.match(htmx.headers.get('content-type') ?? '', /javascript/);
    assert.match(await htmx.text(), /4\.0\.\d/);
    const chart = await get('/static/chart.js');
    assert.equal(chart.status, 200);
    assert.match(await chart.text(), /Chart\.js v4/);
    assert.equal((await get('/static/app.css')).status, 200);
    // The Ask page's scripts are ES modules: browsers run them only when served as JavaScript.
    for (const file of ['ask.js', 'ask-settings.js', 'ask-sources.js', 'ask-stream.js', 'ask-turn.js', 'chat-list.js', 'regen-feedback.js', 'citations.js']) {
      const script = await get(`/static/${file}`);
      assert.equal(script.status, 200, file);
      assert.match(script.headers.get('content-type') ?? '', /javascript/, file);
    }
  });

  void test('security headers: CSP with self-only scripts, nosniff', async () => {
    const res = await get('/');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  void test('unknown API path -> 404 JSON', async () => {
    const res = await get('/api/nothing');
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /Nothing at GET \/api\/nothing/);
  });
});
