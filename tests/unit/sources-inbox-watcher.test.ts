/**
 * The watched inbox over the real ingest pipeline (in-process bus, FAISS store, stand-in
 * embedder): a new file is ingested once it has settled, a changed one replaces its document, a
 * renamed one keeps its document, a deleted one leaves the index, and a restart (a new watcher over
 * the same registry file) ingests only what changed while it was stopped.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../../src/config.ts';
import { startInboxWatcher } from '../../src/sources/inbox-watcher.ts';
import type { DocumentService } from '../../src/ports/document-service.ts';
import { startIngestStack } from '../support/ingest-stack.ts';

const silent = pino({ level: 'silent' });
const SETTLE_MS = 150;
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OTTERS = 'River otters build dens called holts among the roots of riverside trees and slide down muddy banks.';
const BEAVERS = 'Beavers gnaw birch trunks and build dams of branches and mud that flood the valley into a pond.';
const HERONS = 'Grey herons stand motionless in the shallows for a long time before striking at small fish.';

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-inbox-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const s = await startIngestStack(dir, 'inbox', { cleanup });
  const inbox = path.join(dir, 'ingest');
  await fs.mkdir(inbox, { recursive: true });
  let uploads = 0;
  const counting: DocumentService = {
    ...s.documents,
    upload: (files, opts) => {
      uploads++;
      return s.documents.upload(files, opts);
    },
  };
  const start = async () => {
    const w = await startInboxWatcher({ dir: inbox, documents: counting, sources: s.registry.sources, tempDir: path.join(dir, 'tmp'), logger: silent, settleMs: SETTLE_MS, rescanMs: 60_000 });
    cleanup.push(() => w.close());
    return w;
  };
  /** Two scans a settle apart: whatever was written before is taken. */
  const settle = async (w: { scan(): Promise<void> }) => {
    await w.scan();
    await sleep(SETTLE_MS + 50);
    await w.scan();
  };
  return { s, inbox, start, settle, uploads: () => uploads };
}

test('new, changed, renamed and deleted inbox files', async () => {
  const { s, inbox, start, settle } = await setup();
  const w = await start();
  await fs.writeFile(path.join(inbox, 'otters.txt'), OTTERS);
  await settle(w);
  const otters = sha(OTTERS);
  assert.equal(s.registry.sources.get('inbox', 'otters.txt')?.documentId, otters);
  assert.equal((await s.settle(otters)).status, 'ready');
  assert.ok((await s.hitIds('holts roots riverside')).includes(otters));

  // Changed: the new content is a new document; the old one leaves the index.
  await fs.writeFile(path.join(inbox, 'otters.txt'), BEAVERS);
  await settle(w);
  const beavers = sha(BEAVERS);
  assert.equal(s.registry.sources.get('inbox', 'otters.txt')?.documentId, beavers);
  assert.equal((await s.settle(beavers)).status, 'ready');
  assert.equal(await s.waitFor(otters, (d) => d === null), null);
  assert.ok(!(await s.hitIds('holts roots riverside')).includes(otters));

  // Renamed (into a sub-folder): the same document, never deleted.
  await fs.mkdir(path.join(inbox, 'animals'));
  await fs.rename(path.join(inbox, 'otters.txt'), path.join(inbox, 'animals', 'beavers.txt'));
  await settle(w);
  await sleep(100);
  assert.equal(s.registry.sources.get('inbox', 'otters.txt'), undefined);
  assert.equal(s.registry.sources.get('inbox', 'animals/beavers.txt')?.documentId, beavers);
  assert.equal((await s.get(beavers))?.status, 'ready');

  // Deleted: the document leaves the index.
  await fs.rm(path.join(inbox, 'animals', 'beavers.txt'));
  await settle(w);
  assert.equal(await s.waitFor(beavers, (d) => d === null), null);
  assert.ok(!(await s.hitIds('birch dams pond')).includes(beavers));
  assert.deepEqual(s.registry.sources.list('inbox'), []);
});

test('a file still being written is left until it settles', async () => {
  const { s, inbox, start } = await setup();
  const w = await start();
  const file = path.join(inbox, 'growing.txt');
  await fs.writeFile(file, HERONS.slice(0, 20));
  await w.scan();
  await fs.appendFile(file, HERONS.slice(20));
  await sleep(SETTLE_MS + 50);
  await w.scan(); // changed since the last look: not settled yet
  assert.equal(s.registry.sources.get('inbox', 'growing.txt'), undefined);
  await sleep(SETTLE_MS + 50);
  await w.scan();
  assert.equal(s.registry.sources.get('inbox', 'growing.txt')?.documentId, sha(HERONS));
});

test('a restart ingests only what changed while it was stopped', async () => {
  const { s, inbox, start, settle, uploads } = await setup();
  const first = await start();
  await fs.writeFile(path.join(inbox, 'otters.txt'), OTTERS);
  await fs.writeFile(path.join(inbox, 'herons.txt'), HERONS);
  await settle(first);
  assert.equal(uploads(), 2);
  await s.settle(sha(OTTERS));
  await first.close();

  await fs.writeFile(path.join(inbox, 'beavers.txt'), BEAVERS);
  await fs.rm(path.join(inbox, 'herons.txt'));
  const second = await start();
  await settle(second);
  assert.equal(uploads(), 3, 'only the new file is uploaded again');
  assert.equal((await s.settle(sha(BEAVERS))).status, 'ready');
  assert.equal(await s.waitFor(sha(HERONS), (d) => d === null), null);
  assert.equal((await s.get(sha(OTTERS)))?.status, 'ready');
  await settle(second);
  assert.equal(uploads(), 3, 'nothing is ingested twice');
});

test('the settings: WATCH_INBOX, ALLOW_PRIVATE_URLS and URL_FETCH_TIMEOUT_S, off and 30 s by default', () => {
  assert.deepEqual(parseConfig({}).sources, { watchInbox: false, allowPrivateUrls: false, fetchTimeoutMs: 30_000 });
  assert.deepEqual(parseConfig({ WATCH_INBOX: 'true', ALLOW_PRIVATE_URLS: 'true', URL_FETCH_TIMEOUT_S: '5' }).sources, { watchInbox: true, allowPrivateUrls: true, fetchTimeoutMs: 5000 });
  assert.throws(() => parseConfig({ WATCH_INBOX: 'yes' }), /WATCH_INBOX/);
});
