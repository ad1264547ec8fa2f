/**
 * The index part of a backup (src/backup/index-copy.ts): only the version CURRENT names is copied,
 * for General (VECTORSTORE_DIR itself) and for every collection under collections/<id>/, with its
 * CURRENT; the documents of the copied versions are reported for the registry's reconciliation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyIndexes } from '../../src/backup/index-copy.ts';
import { listFiles } from '../../src/backup/manifest.ts';

async function version(dir: string, name: string, docs: string[]): Promise<void> {
  await fs.mkdir(path.join(dir, name), { recursive: true });
  for (const f of ['index.faiss', 'chunks.jsonl', 'vectors.f32', 'lexical.sqlite']) await fs.writeFile(path.join(dir, name, f), `${name}/${f}`);
  await fs.writeFile(path.join(dir, name, 'manifest.json'), JSON.stringify({ documents: docs.map((documentId) => ({ documentId, documentName: documentId, chunks: 1 })) }));
}

test('index copy: the current version of General and of each collection, nothing older', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-index-copy-'));
  try {
    const root = path.join(tmp, 'vectorstore');
    await version(root, 'v-1-0', ['old']);
    await version(root, 'v-2-1', ['a', 'b']);
    await fs.writeFile(path.join(root, 'CURRENT'), 'v-2-1\n');
    const coll = path.join(root, 'collections', 'manuals');
    await version(coll, 'v-3-2', ['c']);
    await fs.writeFile(path.join(coll, 'CURRENT'), 'v-3-2\n');
    // A collection folder that never got an index: nothing to copy.
    await fs.mkdir(path.join(root, 'collections', 'empty'), { recursive: true });

    const dest = path.join(tmp, 'backup');
    const copied = await copyIndexes(root, dest);
    assert.deepEqual(copied.versions, { '': 'v-2-1', 'collections/manuals': 'v-3-2' });
    assert.deepEqual([...copied.documents].sort(), ['a', 'b', 'c']);
    const files = await listFiles(dest);
    assert.ok(!files.some((f) => f.includes('v-1-0')), 'older versions are left out');
    assert.ok(files.includes('CURRENT') && files.includes('collections/manuals/CURRENT'));
    assert.equal(await fs.readFile(path.join(dest, 'v-2-1', 'index.faiss'), 'utf8'), 'v-2-1/index.faiss');
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
