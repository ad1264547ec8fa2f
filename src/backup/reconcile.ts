/**
 * Makes the copied document registry agree with the copied index (the index is copied first, the
 * registry after it; backup.ts says why). Only the copy is changed, never the running service's file.
 * - `ready` but without passages in the copied index (ingested while the backup ran): `failed`,
 *   with a reason that says to upload it again, so the restored list never promises passages the
 *   restored index lacks.
 * - `queued` / `processing` (its job was in a queue that the backup does not hold): `ready` when
 *   the copied index has its passages, else `failed` with the same reason.
 * The SQL names the registry's own columns (documents/registry.ts).
 */
import Database from 'better-sqlite3';

export const INTERRUPTED_REASON = 'was being ingested while the backup was taken; upload it again to finish it';

export interface Reconciled {
  id: string;
  from: string;
  to: string;
}

export function reconcileRegistry(file: string, indexed: ReadonlySet<string>, now = Date.now()): Reconciled[] {
  const db = new Database(file, { fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT id, status FROM documents WHERE status IN ('ready', 'queued', 'processing')`).all() as Array<{ id: string; status: string }>;
    const fail = db.prepare(`UPDATE documents SET status = 'failed', stage = 'failed', error = ?, updated_at = ? WHERE id = ?`);
    const ready = db.prepare(`UPDATE documents SET status = 'ready', stage = 'indexed', progress = 1, error = NULL, updated_at = ? WHERE id = ?`);
    const changed: Reconciled[] = [];
    db.transaction(() => {
      for (const r of rows) {
        const has = indexed.has(r.id);
        if (r.status === 'ready' && has) continue;
        if (has) ready.run(now, r.id);
        else fail.run(INTERRUPTED_REASON, now, r.id);
        changed.push({ id: r.id, from: r.status, to: has ? 'ready' : 'failed' });
      }
    })();
    return changed;
  } finally {
    db.close();
  }
}
