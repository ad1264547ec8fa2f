/**
 * Opens a SQLite connection for sharing with other processes: a busy timeout first (a writer
 * waits for the other's lock instead of failing), then WAL mode. Web replicas sharing DATA_DIR
 * start together and open the same files at once; the switch to WAL can answer SQLITE_BUSY at
 * once, without calling the busy handler, while another connection is switching or checkpointing,
 * so it is tried again for up to the same timeout. An in-memory database keeps its own mode.
 */
import type Database from 'better-sqlite3';

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

const pause = new Int32Array(new SharedArrayBuffer(4));

export function shareableSqlite(db: Database.Database, busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      Atomics.wait(pause, 0, 0, 10); // a short synchronous pause: opening is synchronous
    }
  }
}
