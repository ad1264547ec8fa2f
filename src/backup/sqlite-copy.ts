/**
 * Copies a SQLite database while Docent keeps writing it: SQLite's online backup API
 * (better-sqlite3 `db.backup`) copies a consistent snapshot page by page, restarting by itself
 * when a writer changes a page already copied, so the service is never stopped or blocked for
 * longer than one step. The copy is a single file (no -wal/-shm): everything committed is in it.
 */
import Database from 'better-sqlite3';

export async function copySqlite(from: string, to: string): Promise<void> {
  const db = new Database(from, { fileMustExist: true });
  try {
    // A writer holding the lock for a moment makes a step wait, not fail.
    db.pragma('busy_timeout = 5000');
    await db.backup(to);
  } finally {
    db.close();
  }
  // The copy keeps the source's journal mode (WAL) in its header; fold it into one file now.
  const copy = new Database(to);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}
