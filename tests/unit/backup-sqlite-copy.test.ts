/**
 * The online SQLite copy (src/backup/sqlite-copy.ts) finishes while another connection keeps
 * writing between its steps, and the copy is a consistent snapshot: intact, one file, holding a
 * row count that the source had at some moment of the copy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { copySqlite } from '../../src/backup/sqlite-copy.ts';

test('sqlite copy: completes under a writer that commits between every step, and is consistent', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-sqlite-copy-'));
  const src = path.join(dir, 'chats.db');
  const writer = new Database(src);
  let stop = false;
  try {
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB, sum INTEGER)');
    const ins = writer.prepare('INSERT INTO t (v, sum) VALUES (?, ?)');
    // About 8 MB: hundreds of the API's default 100-page steps.
    writer.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(randomBytes(4096), i);
    })();
    const before = (writer.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    // The service: a commit at every turn of the event loop, i.e. between any two backup steps.
    let writes = 0;
    const write = (): void => {
      if (stop) return;
      ins.run(randomBytes(64), -1);
      writes++;
      setImmediate(write);
    };
    setImmediate(write);
    const dest = path.join(dir, 'copy.db');
    // Without the one-step copy this never finishes: every write restarts it; the race ends it.
    const outcome = await Promise.race([copySqlite(src, dest).then(() => 'done'), new Promise((r) => setTimeout(() => r('restarting forever'), 60_000).unref())]);
    stop = true;
    assert.equal(outcome, 'done');
    assert.ok(writes > 0, 'the writer wrote while the copy ran');
    const copy = new Database(dest, { readonly: true });
    const n = (copy.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n;
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete', 'one self-contained file');
    copy.close();
    assert.ok(n >= before && n <= before + writes, `copy holds ${n} rows, source had ${before}..${before + writes}`);
  } finally {
    stop = true;
    writer.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
