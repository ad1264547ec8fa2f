/**
 * Restore's checks without a running service (src/backup/restore.ts, manifest.ts,
 * running-marker.ts): a backup of a small data folder comes back file for file, without upload
 * temp files or SQLite side files; a missing or unlisted file is refused; a marker left by a
 * process that has exited does not block; `force` replaces what the folder held.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backup } from '../../src/backup/backup.ts';
import { listFiles } from '../../src/backup/manifest.ts';
import { restore } from '../../src/backup/restore.ts';
import { RUNNING_DIR } from '../../src/backup/running-marker.ts';

test('restore: round trip, stale marker ignored, missing or unlisted files refused, force replaces', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-restore-checks-'));
  try {
    const data = path.join(tmp, 'data');
    const vs = path.join(tmp, 'vectorstore');
    await fs.mkdir(path.join(data, 'uploads', 'abc'), { recursive: true });
    await fs.mkdir(path.join(data, 'tmp'), { recursive: true });
    await fs.writeFile(path.join(data, 'uploads', 'abc', 'doc.txt'), 'hello');
    await fs.writeFile(path.join(data, 'tmp', 'upload-123'), 'half an upload');
    await fs.writeFile(path.join(data, 'session-secret'), 'secret');
    const db = new Database(path.join(data, 'chats.db'));
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept')");
    await fs.mkdir(path.join(vs, 'v-1-0'), { recursive: true });
    for (const f of ['index.faiss', 'chunks.jsonl', 'vectors.f32']) await fs.writeFile(path.join(vs, 'v-1-0', f), f);
    await fs.writeFile(path.join(vs, 'v-1-0', 'manifest.json'), JSON.stringify({ documents: [] }));
    await fs.writeFile(path.join(vs, 'CURRENT'), 'v-1-0\n');

    const dest = path.join(tmp, 'backup');
    const m = await backup({ data, vectorstore: vs, dest, docentVersion: 'test' });
    db.close();
    assert.deepEqual(m.files.map((f) => f.path), [
      'data/chats.db',
      'data/session-secret',
      'data/uploads/abc/doc.txt',
      'vectorstore/CURRENT',
      'vectorstore/v-1-0/chunks.jsonl',
      'vectorstore/v-1-0/index.faiss',
      'vectorstore/v-1-0/manifest.json',
      'vectorstore/v-1-0/vectors.f32',
    ]);
    await assert.rejects(backup({ data, vectorstore: vs, dest, docentVersion: 'test' }), /is not empty; choose a new or empty folder/);

    // A marker of a process that has exited.
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    const target = { data: path.join(tmp, 'r', 'data'), vectorstore: path.join(tmp, 'r', 'vs') };
    await fs.mkdir(path.join(target.data, RUNNING_DIR), { recursive: true });
    await fs.writeFile(path.join(target.data, RUNNING_DIR, `${os.hostname()}-${exited}`), '{}');
    await restore({ from: dest, ...target, force: false });
    const restored = new Database(path.join(target.data, 'chats.db'), { readonly: true });
    assert.deepEqual(restored.prepare('SELECT v FROM t').all(), [{ v: 'kept' }]);
    restored.close();
    assert.equal(await fs.readFile(path.join(target.vectorstore, 'CURRENT'), 'utf8'), 'v-1-0\n');
    assert.deepEqual((await listFiles(target.data)).filter((f) => !f.startsWith(RUNNING_DIR)), ['chats.db', 'session-secret', 'uploads/abc/doc.txt']);

    // Force: what the folder held is replaced.
    await fs.writeFile(path.join(target.data, 'stray.txt'), 'x');
    await assert.rejects(restore({ from: dest, ...target, force: false }), /is not empty/);
    await restore({ from: dest, ...target, force: true });
    assert.equal(await fs.access(path.join(target.data, 'stray.txt')).then(() => true, () => false), false);

    const fresh = { data: path.join(tmp, 'f', 'data'), vectorstore: path.join(tmp, 'f', 'vs') };
    await fs.writeFile(path.join(dest, 'data', 'extra.txt'), 'not in the manifest');
    await assert.rejects(restore({ from: dest, ...fresh, force: false }), /damaged; nothing was restored:\n\s+data\/extra\.txt: not listed in the manifest/);
    await fs.rm(path.join(dest, 'data', 'extra.txt'));
    await fs.rm(path.join(dest, 'data', 'session-secret'));
    await assert.rejects(restore({ from: dest, ...fresh, force: false }), /data\/session-secret: missing/);
    await assert.rejects(restore({ from: path.join(tmp, 'nowhere'), ...fresh, force: false }), /is not a Docent backup/);
    assert.equal(await fs.access(fresh.data).then(() => true, () => false), false, 'nothing written');
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
