/**
 * Rotating the embedding model with the roles apart, over the in-process bus with the real FAISS
 * store: the ingest worker runs the new (stand-in) model B, the web's search still the old model A.
 * `npm run ingest -- --reindex` swaps the live index to B; the web keeps answering from the
 * version it had loaded (docs/operations.md, "Rotating to a new embedding model", step 3) instead of 503 until
 * it is restarted: a document deleted after the swap is no longer found, one uploaded after it is
 * found only once the web runs B.
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

const ALPACA = 'Alpacas graze on the high plateau. The alpaca herd moves at dawn. '.repeat(6);
const HERON = 'Herons fish in the shallow estuary. A heron waits without moving. '.repeat(6);
const NEWT = 'Newts cross the wet road at night in spring. A newt hides under stones. '.repeat(6);

void test('the web on the old model keeps answering through a re-index with the new one, until restarted on it', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rotation-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const first = await startIngestStack(dir, 'fake-model-a');
  const alpaca = await first.upload(ALPACA, 'alpaca.txt');
  const heron = await first.upload(HERON, 'heron.txt');
  assert.equal((await first.settle(alpaca)).status, 'ready');
  assert.equal((await first.settle(heron)).status, 'ready');
  await first.stop();

  // Step 1: the ingest worker alone on model B.
  const rolling = await startIngestStack(dir, 'fake-model-b', { readerModelId: 'fake-model-a', cleanup });
  assert.match(rolling.writer.reindexNeeded ?? '', /fake-model-a/);
  assert.equal((await rolling.hitIds('alpaca herd plateau'))[0], alpaca);

  // Steps 2-3: the re-index swaps CURRENT to B's version; the web serves on.
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const summary = await reindex(new ServiceClient(rolling.base), { progress: false, out: quiet, pollMs: 10 });
  assert.deepEqual([...summary.ingested].sort(), ['alpaca.txt', 'heron.txt']);
  // The stack's worker store hears no index.updates of its own (a role's does: src/app/runtime.ts).
  await rolling.writer.reload();
  assert.equal(rolling.writer.reindexNeeded, null);
  assert.equal((await rolling.hitIds('alpaca herd plateau'))[0], alpaca, 'search answers 200 from the old version');
  assert.equal((await rolling.hitIds('heron fish shallow estuary'))[0], heron);
  const stale = rolling.reader.stale;
  assert.ok(stale, 'the web says it serves the version it loaded');
  assert.equal(stale.live, await readCurrent(rolling.vsDir));
  assert.match(stale.message, /until it is restarted with EMBED_MODEL set to fake fake-model-b/);

  // Deleted after the swap: gone from the web's answers too. Uploaded after it: not searchable here.
  await rolling.remove(heron);
  assert.equal(await rolling.waitFor(heron, (d) => d === null), null);
  assert.ok(!(await rolling.hitIds('heron fish shallow estuary')).includes(heron));
  const newt = await rolling.upload(NEWT, 'newt.txt');
  assert.equal((await rolling.settle(newt)).status, 'ready');
  assert.ok(!(await rolling.hitIds('newts cross the wet road')).includes(newt));
  assert.equal((await rolling.hitIds('alpaca herd plateau'))[0], alpaca);
  await rolling.stop();

  // Step 3, the restart: the web on B loads the live version and finds everything in it.
  const after = await startIngestStack(dir, 'fake-model-b', { cleanup });
  assert.equal(after.reader.stale, null);
  assert.equal((await after.hitIds('newts cross the wet road'))[0], newt);
  assert.ok(!(await after.hitIds('heron fish shallow estuary')).includes(heron));
});
