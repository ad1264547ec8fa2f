/**
 * Bounds in the document service: the ingest queue (MAX_PENDING_DOCUMENTS -> 503 + Retry-After),
 * failed documents removed after FAILED_UPLOAD_RETENTION_HOURS, stale upload temp files removed at
 * start-up, and uploads hashed and typed as they stream (memory does not grow by the file's size).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { UnavailableError } from '../../src/errors.ts';
import { removeStaleUploads } from '../../src/web/upload-storage.ts';
import { documentServiceFixture } from '../support/document-service-fixture.ts';
import { FakeServices, startTestServer } from '../support/fake-services.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const setup = (opts: { maxPendingDocuments?: number; failedRetentionMs?: number; now?: () => number } = {}) => documentServiceFixture(cleanup, opts);

void test('uploads past MAX_PENDING_DOCUMENTS are refused with 503-style UnavailableError, before and after the body', async () => {
  const { service, temp } = await setup({ maxPendingDocuments: 2 });
  await service.upload([await temp('first notes', 'a.txt')]);
  await service.upload([await temp('second notes', 'b.txt')]);
  const third = await temp('third notes', 'c.txt');
  await assert.rejects(service.upload([third]), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.retryAfterSeconds > 0, true);
    assert.match(err.message, /2 documents waiting to be ingested \(MAX_PENDING_DOCUMENTS=2\)/);
    return true;
  });
  await assert.rejects(fs.access(third.tempPath), 'the refused file is not kept');
  assert.throws(() => service.assertAccepting?.(), UnavailableError);
  const [dup] = await service.upload([await temp('first notes', 'again.txt')]);
  assert.equal(dup?.duplicate, true, 'a duplicate adds nothing to the queue and is still answered');
});

void test('the web refuses an upload with 503 + Retry-After before reading it when the ingest queue is full', async () => {
  const services = new FakeServices();
  services.documents = { ...services.documents, assertAccepting: () => { throw new UnavailableError('Docent has 5 documents waiting to be ingested (MAX_PENDING_DOCUMENTS=5).', { retryAfterSeconds: 30 }); } } as FakeServices['documents'];
  const srv = await startTestServer({}, services);
  cleanup.push(() => srv.close());
  const form = new FormData();
  form.append('file', new Blob(['hello']), 'a.txt');
  const res = await fetch(`${srv.url}/api/documents`, { method: 'POST', body: form });
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '30');
  assert.match(((await res.json()) as { error: string }).error, /MAX_PENDING_DOCUMENTS=5/);
  assert.equal(services.uploads.length, 0);
});

void test('a failed document is removed with its stored file after the retention period; a recent one stays', async () => {
  // Ahead of the real clock, which stamped the rows at upload.
  let clock = Date.now() + 10 * 24 * 3_600_000;
  const { service, registry, temp, uploadsDir } = await setup({ failedRetentionMs: 24 * 3_600_000, now: () => clock });
  const [old] = await service.upload([await temp('old notes', 'old.txt')]);
  const [recent] = await service.upload([await temp('recent notes', 'recent.txt')]);
  const fail = (id: string, at: number) =>
    registry.apply({ v: 1, documentId: id, name: 'x', status: 'failed', stage: 'failed', progress: 1, pages: null, chunks: null, error: 'no text', done: null, total: null, at });
  fail(old!.id, clock - 25 * 3_600_000 + 1);
  fail(recent!.id, clock - 3_600_000);
  const gone: string[] = [];
  service.onChange((d) => d.status === 'deleted' && gone.push(d.id));
  clock += 1;
  assert.deepEqual(await service.sweepFailed(), [old!.id]);
  assert.equal(service.get(old!.id), undefined);
  await assert.rejects(fs.access(path.join(uploadsDir, old!.id)), 'its stored file is removed');
  assert.deepEqual(gone, [old!.id], 'live lists are told it is gone');
  assert.equal(service.get(recent!.id)?.status, 'failed', 'the recent failure stays with its reason');
  await fs.access(path.join(uploadsDir, recent!.id));
});

void test('stale upload temp files are removed at start-up, other files are left', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-tmp-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  await fs.writeFile(path.join(dir, 'upload-1'), 'partial');
  await fs.writeFile(path.join(dir, 'upload-2'), 'partial');
  await fs.writeFile(path.join(dir, 'keep.txt'), 'not ours');
  assert.equal(await removeStaleUploads(dir), 2);
  assert.deepEqual(await fs.readdir(dir), ['keep.txt']);
  assert.equal(await removeStaleUploads(path.join(dir, 'missing')), 0);
});

void test('an upload is hashed and typed as it streams: memory does not grow by its size', async () => {
  const { service, temp } = await setup();
  const line = Buffer.from('The lighthouse keeper feeds the cat at six in the evening, every day of the year.\n');
  const content = Buffer.alloc(120 * 1024 * 1024);
  for (let at = 0; at < content.length; at += line.length) line.copy(content, at);
  const expected = createHash('sha256').update(content).digest('hex');
  const file = await temp(content, 'big-notes.txt');
  content.fill(0);
  global.gc?.();
  const before = process.memoryUsage().rss;
  const [r] = await service.upload([file]);
  const grown = process.memoryUsage().rss - before;
  assert.equal(r?.id, expected);
  assert.equal(service.get(expected)?.mediaType, 'text/plain');
  assert.ok(grown < 60 * 1024 * 1024, `memory grew by ${Math.round(grown / 1048576)} MB for a 120 MB file`);
});
