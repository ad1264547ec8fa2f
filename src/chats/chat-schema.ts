/**
 * The chat store's SQLite tables, and the columns added since the first release, each added in
 * place when an older store is opened (no data is rewritten):
 *   chats.collections  the collections a chat asks over (older chats: '[]', every collection);
 *   turns.feedback     the style request the turn's answer was regenerated with (older turns: NULL);
 *   chats.owner        the internal id of the user who started the chat (older chats, and chats
 *                      started while sign-in is off: NULL; who sees those: ./chat-scope.ts).
 */
import type Database from 'better-sqlite3';

export function openChatSchema(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS chats (
      id TEXT PRIMARY KEY, title TEXT NOT NULL, settings TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS turns (
      id TEXT PRIMARY KEY, chat_id TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
      answer_id TEXT NOT NULL UNIQUE, question TEXT NOT NULL, searched_for TEXT, answer TEXT, sources TEXT NOT NULL,
      settings TEXT NOT NULL, worker TEXT, model TEXT, timings TEXT, status TEXT NOT NULL, error TEXT,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS turns_by_chat ON turns (chat_id, seq);
    CREATE INDEX IF NOT EXISTS chats_by_update ON chats (updated_at DESC, id);`);
  addColumn(db, 'chats', 'collections', "TEXT NOT NULL DEFAULT '[]'");
  addColumn(db, 'turns', 'feedback', 'TEXT');
  addColumn(db, 'chats', 'owner', 'TEXT');
  db.exec('CREATE INDEX IF NOT EXISTS chats_by_owner ON chats (owner, updated_at DESC, id)');
}

function addColumn(db: Database.Database, table: 'chats' | 'turns', column: string, type: string): void {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}
