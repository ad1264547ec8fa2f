/**
 * Several processes open one SQLite file at once (web replicas sharing DATA_DIR start together, a
 * consumer beside them): each open switches the file to WAL and creates or migrates its schema,
 * and every one must succeed. Threads with their own connections stand in for the processes; they
 * start on one signal and open the same new files in the same order, so their opens overlap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../src/analytics/schema.ts';

const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.resolve('../support/sqlite-open-worker.ts'))}); })`;
const KINDS = ['analytics', 'accounts', 'chats', 'documents', 'rate limits'];

async function openAtOnce(kind: string, files: string[]): Promise<string[]> {
  const start = new SharedArrayBuffer(4);
  const workers = Array.from({ length: 4 }, () => new Worker(BOOT, { eval: true, workerData: { kind, files, start } }));
  const results = workers.map((w) => new Promise<string[]>((resolve, reject) => {
    w.once('message', (errors: string[]) => resolve(errors));
    w.once('error', reject);
  }));
  await new Promise((r) => setTimeout(r, 1000)); // every thread has loaded and waits
  Atomics.store(new Int32Array(start), 0, 1);
  Atomics.notify(new Int32Array(start), 0);
  return (await Promise.all(results)).flat();
}

for (const kind of KINDS) {
  void test(`${kind}: four threads opening the same new files at once all succeed, in WAL mode`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-sqlite-race-'));
    try {
      const files = Array.from({ length: 40 }, (_, i) => path.join(dir, `${i}.db`));
      const errors = await openAtOnce(kind, files);
      assert.deepEqual(errors, [], `opens that failed: ${errors.length} of ${4 * files.length}: ${[...new Set(errors)].join(' | ')}`);
      for (const file of files) {
        const db = new Database(file, { readonly: true });
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal', file);
        if (kind === 'analytics') assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION, file);
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
