/** Uploads over the in-process bus: content typing, content-hash identity, duplicates, progress. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { InvalidInputError } from '../../src/errors.ts';
import type { Delivery } from '../../src/ports/message-bus.ts';
import { documentServiceFixture } from '../support/document-service-fixture.ts';
import { makePdf } from '../support/make-pdf.ts';
import { retryPolicy } from '../support/retry-policy.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const { bus, service, temp, dir } = await documentServiceFixture(cleanup);
  const jobs: Delivery[] = [];
  await bus.consume(QUEUES.ingestJobs, (d) => {
    jobs.push(d);
    return Promise.resolve();
  }, { prefetch: 10, retry: retryPolicy() });
  return { bus, service, jobs, temp, dir };
}

const until = async (check: () => boolean) => {
  const end = Date.now() + 2000;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};

test('an upload is typed from its content, stored under its hash and queued', async () => {
  const { service, jobs, temp } = await setup();
  const [r] = await service.upload([await temp(makePdf(['Hello page one']), '../../etc/passwd.pdf')]);
  assert.ok(r);
  assert.match(r.id, /^[0-9a-f]{64}$/);
  assert.equal(r.status, 'queued');
  assert.equal(r.duplicate, false);
  assert.equal(r.name, 'passwd.pdf', 'directories in the name are dropped');
  await until(() => jobs.length === 1);
  const job = jobs[0]!.body as { storedPath: string; mediaType: string; documentId: string };
  assert.equal(job.mediaType, 'application/pdf');
  assert.equal(path.basename(job.storedPath), r.id, 'stored under the content hash, never the user name');
  assert.equal(service.get(r.id)?.status, 'queued');
});

test('the same content again is a duplicate and queues nothing', async () => {
  const { service, jobs, temp } = await setup();
  await service.upload([await temp('Some notes about tomatoes.', 'notes.txt')]);
  const [again] = await service.upload([await temp('Some notes about tomatoes.', 'copy.txt')]);
  assert.equal(again?.duplicate, true);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(jobs.length, 1);
  assert.equal(service.list().length, 1);
});

test('one bad file refuses the whole upload with a reason naming it, and nothing is queued', async () => {
  const { service, jobs, temp } = await setup();
  const good = await temp('plain text', 'ok.txt');
  // A GIF: an image Docent cannot read (PNG, JPEG, TIFF and WebP go to OCR).
  const gif = await temp(Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1'), 'photo.txt');
  await assert.rejects(service.upload([good, gif]), (e: unknown) => e instanceof InvalidInputError && /photo\.txt/.test(e.message) && /GIF/.test(e.message));
  const empty = await temp('', 'empty.txt');
  await assert.rejects(service.upload([empty]), /empty/);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(jobs.length, 0);
  assert.equal(service.list().length, 0);
  await assert.rejects(fs.access(good.tempPath), 'temp files are removed');
});

test('progress events update the document; a late event never overwrites the final status', async () => {
  const { bus, service, temp } = await setup();
  const [r] = await service.upload([await temp('text to index', 'a.txt')]);
  const changes: string[] = [];
  service.onChange((d) => changes.push(`${d.status}:${d.stage}`));
  const ev = (status: string, stage: string, at: number) => ({ v: 1, documentId: r!.id, name: 'a.txt', status, stage, progress: 0.5, pages: null, chunks: 3, error: null, at });
  const t = Date.now() + 10;
  await bus.broadcast(EXCHANGES.ingestEvents, ev('processing', 'embedding', t));
  await bus.broadcast(EXCHANGES.ingestEvents, ev('ready', 'indexed', t + 2));
  await bus.broadcast(EXCHANGES.ingestEvents, ev('processing', 'embedding', t + 1));
  await bus.broadcast(EXCHANGES.ingestEvents, { v: 1, nonsense: true });
  await until(() => changes.length >= 2);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(changes, ['processing:embedding', 'ready:indexed']);
  assert.equal(service.get(r!.id)?.status, 'ready');
  assert.equal(service.get(r!.id)?.chunks, 3);
});
