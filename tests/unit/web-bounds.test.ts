/**
 * Bounds on what one client can make the web hold: one parse per document for passage views and
 * a cap on parses (503 + Retry-After past its queue), questions in flight per client (429), event
 * streams per client (429); and the small input fixes (a non-text question, file names).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { createPassageService, PARSE_CONCURRENCY, PARSE_QUEUE } from '../../src/chats/passages.ts';
import type { PassageService } from '../../src/ports/passage-service.ts';
import { cleanName } from '../../src/documents/file-name.ts';
import { ConfigError, parseConfig } from '../../src/config.ts';
import type { ParsedDocument } from '../../src/ingest/parsed-document.ts';
import { FAKE_SOURCE, FakeServices, fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';
import { delay, waitFor } from '../support/wait.ts';

let servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
});

async function serve(env: Record<string, string>, services = new FakeServices()): Promise<TestServer> {
  const srv = await startTestServer(env, services);
  servers.push(srv);
  return srv;
}

/** Fake services whose passage views parse through a counted, held parse. */
class ParsingServices extends FakeServices {
  parses = 0;
  private hold: Promise<void> = Promise.resolve();
  private let: () => void = () => undefined;
  private service: PassageService | undefined;
  holdParses(): void {
    this.hold = new Promise((resolve) => (this.let = resolve));
  }
  releaseParses(): void {
    this.let();
  }
  override get passages(): PassageService {
    this.service ??= createPassageService({
      documents: this.documents,
      chats: { findSource: (documentId, chunkId) => ({ ...FAKE_SOURCE, documentId, chunkId, page: null, start: undefined, end: undefined }) },
      uploadsDir: this.uploadsDir,
      parse: async (): Promise<ParsedDocument> => {
        this.parses++;
        await this.hold;
        return { pages: [{ page: null, text: `Intro. ${FAKE_SOURCE.text} The end.` }] } as unknown as ParsedDocument;
      },
    });
    return this.service;
  }
}

async function withDocuments(srv: TestServer, services: FakeServices, ids: string[]): Promise<void> {
  await fs.mkdir(srv.config.paths.uploads, { recursive: true });
  for (const id of ids) {
    services.docs.push(fakeDocument({ id, name: `${id}.txt`, mediaType: 'text/plain' }));
    await fs.writeFile(path.join(srv.config.paths.uploads, id), `Intro. ${FAKE_SOURCE.text} The end.`);
  }
}

void test('six concurrent views of one uncached document share one parse', async () => {
  const services = new ParsingServices();
  const srv = await serve({}, services);
  await withDocuments(srv, services, ['doc-a']);
  services.holdParses();
  const views = Array.from({ length: 6 }, () => fetch(`${srv.url}/documents/doc-a/view?chunk=doc-a:0`));
  await new Promise((r) => setTimeout(r, 100));
  services.releaseParses();
  const statuses = await Promise.all(views.map(async (v) => (await v).status));
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
  assert.equal(services.parses, 1, 'one parse for six views');
});

void test('a burst of views of many documents runs at most the cap of parses; past the queue, 503 + Retry-After', async () => {
  const services = new ParsingServices();
  const srv = await serve({}, services);
  const burst = PARSE_CONCURRENCY + PARSE_QUEUE + 3;
  const ids = Array.from({ length: burst }, (_, i) => `doc-${i}`);
  await withDocuments(srv, services, ids);
  services.holdParses();
  const views = ids.map((id) => fetch(`${srv.url}/documents/${id}/view?chunk=${id}:0`));
  // The cap's parses start (however busy the machine), then no more while they are held.
  await waitFor('the first parses to start', () => services.parses >= PARSE_CONCURRENCY, 10_000);
  await delay(200);
  assert.equal(services.parses, PARSE_CONCURRENCY, 'only the cap of parses run at once');
  services.releaseParses();
  const responses = await Promise.all(views);
  const busy = responses.filter((r) => r.status === 503);
  assert.equal(busy.length, burst - PARSE_CONCURRENCY - PARSE_QUEUE);
  assert.equal(responses.filter((r) => r.status === 200).length, PARSE_CONCURRENCY + PARSE_QUEUE);
  for (const r of busy) assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After is set');
  assert.match(await busy[0]!.text(), /busy opening other documents/);
  assert.equal(services.parses, PARSE_CONCURRENCY + PARSE_QUEUE);
});

const ask = (srv: TestServer, signal?: AbortSignal) =>
  fetch(`${srv.url}/api/ask`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ question: 'When is the cat fed?' }),
    ...(signal ? { signal } : {}),
  });

void test('one client cannot have more than MAX_PENDING_QUESTIONS_PER_CLIENT questions in flight; a place comes back when a client leaves or an answer ends', async () => {
  const services = new FakeServices();
  services.replyDelayMs = 300;
  const srv = await serve({ MAX_PENDING_QUESTIONS_PER_CLIENT: '2' }, services);
  const first = new AbortController();
  const a = await ask(srv, first.signal);
  const b = await ask(srv);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const refused = await ask(srv);
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.match(((await refused.json()) as { error: string }).error, /You have 2 questions being answered already \(MAX_PENDING_QUESTIONS_PER_CLIENT=2\)/);
  first.abort();
  await new Promise((r) => setTimeout(r, 100));
  const c = await ask(srv);
  assert.equal(c.status, 200, 'the disconnected client gave its place back');
  await b.text();
  await c.text();
  await new Promise((r) => setTimeout(r, 50));
  const d = await ask(srv);
  assert.equal(d.status, 200, 'finished answers gave their places back');
  await d.text();
});

void test('one client cannot hold more than MAX_EVENT_STREAMS_PER_CLIENT event streams; closing one frees a place', async () => {
  const srv = await serve({ MAX_EVENT_STREAMS_PER_CLIENT: '2' });
  const controllers = [new AbortController(), new AbortController()];
  for (const c of controllers) assert.equal((await fetch(`${srv.url}/api/documents/events`, { signal: c.signal })).status, 200);
  const refused = await fetch(`${srv.url}/api/documents/events`);
  assert.equal(refused.status, 429);
  assert.match(((await refused.json()) as { error: string }).error, /at most 2 \(MAX_EVENT_STREAMS_PER_CLIENT=2\)/);
  controllers[0]!.abort();
  await new Promise((r) => setTimeout(r, 100));
  const again = new AbortController();
  assert.equal((await fetch(`${srv.url}/api/documents/events`, { signal: again.signal })).status, 200);
  again.abort();
  controllers[1]!.abort();
});

void test('a question that is not text is a 400 saying so, not "empty"', async () => {
  const srv = await serve({});
  for (const question of [42, ['a', 'b'], { text: 'x' }, true]) {
    const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question }) });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'question must be text.');
  }
});

void test('file names keep their last path segment whole and lose bidi and control characters', () => {
  assert.equal(cleanName('a/b/report.pdf'), 'report.pdf');
  assert.equal(cleanName('C:\\x\\report.pdf'), 'report.pdf');
  assert.equal(cleanName('dir/report.pdf/'), 'report.pdf');
  assert.equal(cleanName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  assert.equal(cleanName('\u2066a\u2069\u200E\u200Fb\u0000\u001f\u007f.txt'), 'ab.txt');
  assert.equal(cleanName('../..'), 'untitled');
  const long = cleanName(`${'é'.repeat(300)}.pdf`);
  assert.equal([...long].length, 200);
  assert.ok(long.endsWith('….pdf'), 'a long name keeps its extension');
});

void test('the bound settings have defaults and a bad value names its variable', () => {
  const limits = parseConfig({}).limits;
  assert.deepEqual(limits, {
    storageBytes: 10_240 * 1024 * 1024,
    pendingDocuments: 1000,
    pendingQuestionsPerClient: 10,
    eventStreamsPerClient: 8,
    failedUploadRetentionMs: 24 * 3_600_000,
    chatRetentionMs: null,
  });
  for (const name of ['MAX_STORAGE_MB', 'MAX_PENDING_DOCUMENTS', 'MAX_PENDING_QUESTIONS_PER_CLIENT', 'MAX_EVENT_STREAMS_PER_CLIENT', 'FAILED_UPLOAD_RETENTION_HOURS']) {
    assert.throws(() => parseConfig({ [name]: '0' }), (err: unknown) => err instanceof ConfigError && err.message.includes(name));
  }
});

void test('an upload whose field names index a huge array is refused at once (multer GHSA-535w-7cp7-47q4)', async () => {
  const srv = await serve({});
  const form = new FormData();
  form.append('items[4294967294]', 'x');
  form.append('items[m]', 'y');
  form.append('file', new Blob(['hello']), 'a.txt');
  const started = performance.now();
  // Without the limit this request keeps the event loop busy for minutes: the abort names it.
  const res = await fetch(`${srv.url}/api/documents`, { method: 'POST', body: form, signal: AbortSignal.timeout(20_000) });
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /Upload rejected/);
  assert.ok(performance.now() - started < 20_000);
  assert.equal(srv.services.uploads.length, 0);
  const health = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(health.status, 200);
});
