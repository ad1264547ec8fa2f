/**
 * The backup's registry copy is made to agree with its index copy (src/backup/reconcile.ts): a
 * document the copied index lacks is never listed as ready, a document it holds is never left queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INGEST_CONTRACT_VERSION, type IngestEvent } from '../../src/contracts/ingest.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { INTERRUPTED_REASON, reconcileRegistry } from '../../src/backup/reconcile.ts';

test('reconcile: ready without passages and queued without passages fail with the reason; queued with passages is ready', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-reconcile-'));
  try {
    const file = path.join(dir, 'documents.db');
    const reg = new DocumentRegistry(file);
    for (const id of ['kept', 'late', 'queuedIn', 'queuedOut', 'broken']) reg.queue({ id, name: `${id}.txt`, mediaType: 'text/plain', size: 1 }, 1);
    const event = (id: string, status: 'ready' | 'failed'): IngestEvent => ({ v: INGEST_CONTRACT_VERSION, documentId: id, name: `${id}.txt`, status, stage: status === 'ready' ? 'indexed' : 'failed', progress: 1, pages: null, chunks: 1, error: status === 'failed' ? 'no text' : null, at: 2 });
    reg.apply(event('kept', 'ready'));
    reg.apply(event('late', 'ready'));
    reg.apply(event('broken', 'failed'));
    reg.close();

    const changed = reconcileRegistry(file, new Set(['kept', 'queuedIn']), 3);
    assert.deepEqual(changed.sort((a, b) => a.id.localeCompare(b.id)), [
      { id: 'late', from: 'ready', to: 'failed' },
      { id: 'queuedIn', from: 'queued', to: 'ready' },
      { id: 'queuedOut', from: 'queued', to: 'failed' },
    ]);
    const after = new DocumentRegistry(file);
    const status = Object.fromEntries(after.list().map((d) => [d.id, [d.status, d.error]]));
    after.close();
    assert.deepEqual(status, {
      kept: ['ready', null],
      late: ['failed', INTERRUPTED_REASON],
      queuedIn: ['ready', null],
      queuedOut: ['failed', INTERRUPTED_REASON],
      broken: ['failed', 'no text'],
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
