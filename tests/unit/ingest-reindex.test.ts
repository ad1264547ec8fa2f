/**
 * Re-indexing after an embedding-model change, over the in-process bus with the real FAISS store:
 * an index built with one (stand-in) embedding model is refused by a service configured with
 * another, which still starts (search answers 503 naming the re-index command, uploads fail with
 * it); `npm run ingest -- --reindex` (the CLI's reindex against the web API) sends one `reindex`
 * job, the ingest handler rebuilds every stored document into a fresh version and swaps it in,
 * and search works again with the new model.
 *
 * Edge cases: uploads queued before or while a re-index end indexed with the new model (while the
 * index needs a re-index they wait for it instead of failing), and a delete while the index needs
 * a re-index deletes the document (registry, upload, stored index) and the re-index does not bring
 * it back, whichever of the two was sent first.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { reindex } from '../../src/cli/ingest-files.ts';
import { ServiceClient } from '../../src/cli/service-client.ts';
import { readCurrent } from '../../src/retrieval/faiss-files.ts';
import { startIngestStack } from '../support/ingest-stack.ts';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const start = (dir: string, modelId: string, opts: { worker?: boolean } = {}) => startIngestStack(dir, modelId, { ...opts, cleanup });
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-reindex-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function liveManifest(vsDir: string) {
  const current = await readCurrent(vsDir);
  return JSON.parse(await fs.readFile(path.join(vsDir, current!, 'manifest.json'), 'utf8')) as { embedModelId: string; documents: Array<{ documentId: string }> };
}

const ALPACA = 'Alpacas graze on the high plateau. The alpaca herd moves at dawn. '.repeat(6);
const HERON = 'Herons fish in the shallow estuary. A heron waits without moving. '.repeat(6);
const OTTER = 'Otters crack shells on their bellies while floating in the kelp. '.repeat(6);

void test('an index built by another embedding model: the service starts, says a re-index is needed, and the re-index makes search work again', async () => {
  const dir = await tempDir();

  const first = await start(dir, 'fake-model-a');
  const alpaca = await first.upload(ALPACA, 'alpaca.txt');
  const heron = await first.upload(HERON, 'heron.txt');
  assert.equal((await first.settle(alpaca)).status, 'ready');
  assert.equal((await first.settle(heron)).status, 'ready');
  const before = await readCurrent(first.vsDir);
  await first.stop();

  // The same data, another embedding model: nothing crashes, everything says what to do.
  const second = await start(dir, 'fake-model-b');
  assert.match(second.writer.reindexNeeded ?? '', /fake-model-a[\s\S]*npm run ingest -- --reindex/);
  const refused = await second.search('alpaca herd');
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { error: string }).error, /npm run ingest -- --reindex/);
  // An upload now cannot be indexed; it waits for the re-index rather than failing.
  const otter = await second.upload(OTTER, 'otter.txt');
  const waiting = await second.waitFor(otter, (d) => d?.stage === 'waiting for re-index');
  assert.equal(waiting?.status, 'queued', JSON.stringify(waiting));
  assert.match(waiting?.error ?? '', /--reindex/);

  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const summary = await reindex(new ServiceClient(second.base), { progress: false, out, pollMs: 10 });
  assert.deepEqual(summary.failed, []);
  assert.deepEqual([...summary.ingested].sort(), ['alpaca.txt', 'heron.txt', 'otter.txt'], 'every stored document, the waiting upload included');
  assert.ok(lines.some((l) => /ready/.test(l)), lines.join(''));

  assert.equal(second.writer.reindexNeeded, null);
  const after = await readCurrent(second.vsDir);
  assert.notEqual(after, before, 'a fresh version is live');
  const manifest = JSON.parse(await fs.readFile(path.join(second.vsDir, after!, 'manifest.json'), 'utf8')) as { embedModelId: string; documents: unknown[] };
  assert.equal(manifest.embedModelId, 'fake-model-b');
  assert.equal(manifest.documents.length, 3);
  assert.deepEqual((await fs.readdir(second.vsDir)).filter((e) => e.startsWith('.reindex-')), [], 'no staging directory left');

  const res = await second.search('alpaca herd plateau');
  assert.equal(res.status, 200);
  const hits = ((await res.json()) as { results: Array<{ documentId: string }> }).results;
  assert.equal(hits[0]?.documentId, alpaca);
});

void test('a re-index leaves out a document whose stored upload is gone, with the reason, and keeps the rest', async () => {
  const dir = await tempDir();
  const svc = await start(dir, 'fake-model-a');
  const alpaca = await svc.upload(ALPACA, 'alpaca.txt');
  const heron = await svc.upload(HERON, 'heron.txt');
  await svc.settle(alpaca);
  await svc.settle(heron);
  await fs.rm(path.join(dir, 'uploads', heron));
  const summary = await reindex(new ServiceClient(svc.base), { progress: false, out: new Writable({ write: (_c, _e, cb) => cb() }), pollMs: 10 });
  assert.deepEqual(summary.ingested, ['alpaca.txt']);
  assert.equal(summary.failed.length, 1);
  assert.match(summary.failed[0]!.reason, /stored upload is missing/);
  const hits = ((await (await svc.search('heron estuary')).json()) as { results: Array<{ documentId: string }> }).results;
  assert.ok(!hits.some((h) => h.documentId === heron), 'the missing document left the index');
});

/** Index alpaca and heron with model a, then stop: the next start with model b needs a re-index. */
async function indexedWithModelA(dir: string): Promise<{ alpaca: string; heron: string }> {
  const first = await start(dir, 'fake-model-a');
  const alpaca = await first.upload(ALPACA, 'alpaca.txt');
  const heron = await first.upload(HERON, 'heron.txt');
  assert.equal((await first.settle(alpaca)).status, 'ready');
  assert.equal((await first.settle(heron)).status, 'ready');
  await first.stop();
  return { alpaca, heron };
}

void test('uploads queued before and while a re-index the index needs end indexed with the new model', async () => {
  const dir = await tempDir();
  const first = await start(dir, 'fake-model-a');
  const alpaca = await first.upload(ALPACA, 'alpaca.txt');
  assert.equal((await first.settle(alpaca)).status, 'ready');
  await first.stop();

  // The worker is held so the queue holds, in order: heron's ingest, the re-index, otter's ingest.
  const second = await start(dir, 'fake-model-b', { worker: false });
  const heron = await second.upload(HERON, 'heron.txt');
  const following = reindex(new ServiceClient(second.base), { progress: false, out: quiet(), pollMs: 10 });
  await second.waitFor(alpaca, (d) => d?.stage === 'queued for re-index');
  const otter = await second.upload(OTTER, 'otter.txt');
  await second.startWorker();

  const summary = await following;
  assert.deepEqual(summary.failed, []);
  assert.deepEqual([...summary.ingested].sort(), ['alpaca.txt', 'heron.txt'], 'the upload queued before the re-index is part of it');
  assert.equal((await second.settle(otter)).status, 'ready', 'the upload sent during the re-index is indexed after it');
  assert.equal((await second.settle(heron)).status, 'ready');
  const manifest = await liveManifest(second.vsDir);
  assert.equal(manifest.embedModelId, 'fake-model-b');
  assert.deepEqual(manifest.documents.map((d) => d.documentId).sort(), [alpaca, heron, otter].sort());
  assert.equal((await second.hitIds('heron fish shallow estuary'))[0], heron);
  assert.equal((await second.hitIds('otters crack shells kelp'))[0], otter);
});

void test('uploads still queued when a re-index is sent (same model) are in the rebuilt index', async () => {
  const dir = await tempDir();
  const svc = await start(dir, 'fake-model-a', { worker: false });
  const alpaca = await svc.upload(ALPACA, 'alpaca.txt');
  const heron = await svc.upload(HERON, 'heron.txt');
  const following = reindex(new ServiceClient(svc.base), { progress: false, out: quiet(), pollMs: 10 });
  await svc.waitFor(heron, (d) => d?.stage === 'queued for re-index');
  await svc.startWorker();
  const summary = await following;
  assert.deepEqual([...summary.ingested].sort(), ['alpaca.txt', 'heron.txt']);
  // Their own ingest jobs ran first, into the version the re-index then replaced: it must hold them.
  const manifest = await liveManifest(svc.vsDir);
  assert.deepEqual(manifest.documents.map((d) => d.documentId).sort(), [alpaca, heron].sort());
  assert.equal((await svc.hitIds('alpaca herd plateau'))[0], alpaca);
  assert.equal((await svc.hitIds('heron fish shallow estuary'))[0], heron);
});

void test('a delete while the index needs a re-index deletes the document, and the re-index does not bring it back', async () => {
  const dir = await tempDir();
  const { alpaca, heron } = await indexedWithModelA(dir);
  const second = await start(dir, 'fake-model-b');
  assert.notEqual(second.writer.reindexNeeded, null);

  await second.remove(heron);
  assert.equal(await second.waitFor(heron, (d) => d === null), null, 'the document left the list');
  await assert.rejects(fs.access(path.join(second.uploadsDir, heron)), 'its upload is gone');
  const stored = await liveManifest(second.vsDir);
  assert.equal(stored.embedModelId, 'fake-model-a', 'the old version stays the one waiting for the re-index');
  assert.deepEqual(stored.documents.map((d) => d.documentId), [alpaca], 'but no longer holds the deleted document');

  const summary = await reindex(new ServiceClient(second.base), { progress: false, out: quiet(), pollMs: 10 });
  assert.deepEqual(summary, { ingested: ['alpaca.txt'], duplicates: [], failed: [] });
  assert.equal(await second.get(heron), null);
  const manifest = await liveManifest(second.vsDir);
  assert.equal(manifest.embedModelId, 'fake-model-b');
  assert.deepEqual(manifest.documents.map((d) => d.documentId), [alpaca]);
  assert.ok(!(await second.hitIds('heron fish shallow estuary')).includes(heron));
});

void test('a delete sent after a re-index was requested, before it ran: the document ends deleted, not re-indexed', async () => {
  const dir = await tempDir();
  const { alpaca, heron } = await indexedWithModelA(dir);
  const second = await start(dir, 'fake-model-b', { worker: false });
  const following = reindex(new ServiceClient(second.base), { progress: false, out: quiet(), pollMs: 10 });
  await second.waitFor(heron, (d) => d?.stage === 'queued for re-index');
  await second.remove(heron);
  await second.startWorker();

  const summary = await following;
  assert.deepEqual(summary.ingested, ['alpaca.txt']);
  assert.equal(await second.waitFor(heron, (d) => d === null), null, 'the document left the list');
  await assert.rejects(fs.access(path.join(second.uploadsDir, heron)), 'its upload is gone');
  const manifest = await liveManifest(second.vsDir);
  assert.equal(manifest.embedModelId, 'fake-model-b');
  assert.deepEqual(manifest.documents.map((d) => d.documentId), [alpaca]);
  assert.ok(!(await second.hitIds('heron fish shallow estuary')).includes(heron));
});
