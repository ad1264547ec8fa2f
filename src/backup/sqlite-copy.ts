/**
 * Copies a SQLite database while Docent keeps writing it: SQLite's online backup API
 * (better-sqlite3 `db.backup`) copies a consistent snapshot of what was committed.
 *
 * The copy is made in ONE step (after the API's empty first one): copied page by page over several
 * steps, a write by the service between two steps restarts the copy from the first page, and a
 * database written every few seconds (chats, analytics under load) would never finish. One step
 * reads inside one read transaction: in WAL mode (chats, documents, analytics) writers go on
 * meanwhile; accounts.db (rollback journal) is small, and a sign-in writing it waits on its busy
 * timeout for the few milliseconds the copy takes. The copy is a single file (no -wal/-shm).
 */
import Database from 'better-sqlite3';

export async function copySqlite(from: string, to: string): Promise<void> {
  const db = new Database(from, { fileMustExist: true });
  try {
    // A writer holding the lock for a moment makes a step wait, not fail.
    db.pragma('busy_timeout = 5000');
    await db.backup(to, { progress: () => 0x7fffffff });
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
