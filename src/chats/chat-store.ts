/**
 * Chats and their turns, kept by the web in SQLite (next to the document registry). A chat is
 * named after its first question and remembers the settings last used in it, which prefill the
 * form when it is reopened. A turn is one question and the answer to it, with its sources, the
 * settings, the worker that answered and the timings; it is written `pending` when the question
 * is accepted and completed (done, error, stopped) when the answer ends, so a turn never vanishes
 * because its answer failed. Regenerating replaces a turn's answer (and answer id) in place.
 * An answer that ended early (Stop, tab closed, deadline, failure) keeps the text written so far
 * as the turn's answer, with the status saying why: the chat shows what the user saw.
 *
 * Listing is by pages, newest first (keyset on updated_at, id), so hundreds of chats never load
 * at once; the cursor is opaque to callers. A chat can be renamed; renaming does not reorder it.
 *
 * A chat keeps the collections its last question asked over (id and name at that time, so a chat
 * whose collection was deleted can still name it); none means all. The column was added after the
 * first release: opening an older store adds it in place (every existing chat: all collections).
 *
 * A chat has an owner (the internal id of the user who started it; null while sign-in is off) and
 * every read by id, list and lookup is limited to a scope (./chat-scope.ts). Retention deletes the
 * chats whose last activity is older than a time (./chat-retention.ts); export reads a scope's chats
 * a page at a time (./chat-export.ts). Types and the interface: ./chat-types.ts; rows: ./chat-rows.ts.
 *
 * A turn regenerated with a style request ("shorter") keeps it as `feedback` next to the answer it
 * shaped (not as the question); it goes with that answer: replaced by the next regeneration, kept
 * when a later regeneration stops before replacing a complete answer. Tables: chat-schema.ts.
 */
import Database from 'better-sqlite3';
import { shareableSqlite } from '../shared/sqlite-wal.ts';
import { MAX_HISTORY_TURNS, type AnswerDone, type HistoryTurn } from '../contracts/answer.ts';
import type { Settings } from '../contracts/settings.ts';
import type { Source } from '../contracts/source.ts';
import { openChatSchema } from './chat-schema.ts';
import { scopeWhere, type ChatScope } from './chat-scope.ts';
import { clip, cursorOf, parseChatCursor, toSummary, toTurn, type ChatRow, type TurnRow } from './chat-rows.ts';
import { CHAT_PAGE_DEFAULT, chatTitle, type ChatCollection, type ChatPage, type ChatStore, type ChatSummary, type ChatTurn, type ChatView, type NewChat, type PartialAnswer } from './chat-types.ts';

export { parseChatCursor } from './chat-rows.ts';
export { CHAT_PAGE_DEFAULT, CHAT_PAGE_MAX, chatTitle, TITLE_CHARS } from './chat-types.ts';
export type { ChatCollection, ChatPage, ChatScope, ChatStore, ChatSummary, ChatTurn, ChatView, NewChat, PartialAnswer, TurnStatus } from './chat-types.ts';

const CHAT_SELECT = 'SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.chat_id = c.id) AS turn_count FROM chats c';

export class SqliteChatStore implements ChatStore {
  private readonly db: Database.Database;
  private closed = false;

  /** `file` is a path or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    shareableSqlite(this.db);
    this.db.pragma('foreign_keys = ON');
    // One IMMEDIATE transaction: web replicas opening the file at once take turns (chat-schema.ts).
    this.db.transaction(() => openChatSchema(this.db)).immediate();
  }

  list(scope?: ChatScope): ChatSummary[] {
    const w = scopeWhere(scope);
    return (this.db.prepare(`${CHAT_SELECT} WHERE ${w.sql} ORDER BY c.updated_at DESC, c.id`).all(...w.params) as ChatRow[]).map(toSummary);
  }

  page({ limit = CHAT_PAGE_DEFAULT, before }: { limit?: number; before?: string | undefined } = {}, scope?: ChatScope): ChatPage {
    const at = before === undefined ? undefined : parseChatCursor(before);
    if (before !== undefined && !at) throw new RangeError('not a chat list cursor');
    const w = scopeWhere(scope);
    // One row more than asked tells whether another page follows.
    const rows = (
      at
        ? this.db
            .prepare(`${CHAT_SELECT} WHERE ${w.sql} AND (c.updated_at < ? OR (c.updated_at = ? AND c.id > ?)) ORDER BY c.updated_at DESC, c.id LIMIT ?`)
            .all(...w.params, at.updatedAt, at.updatedAt, at.id, limit + 1)
        : this.db.prepare(`${CHAT_SELECT} WHERE ${w.sql} ORDER BY c.updated_at DESC, c.id LIMIT ?`).all(...w.params, limit + 1)
    ) as ChatRow[];
    const chats = rows.slice(0, limit).map(toSummary);
    const last = chats.at(-1);
    return { chats, next: rows.length > limit && last ? cursorOf(last) : null };
  }

  rename(id: string, title: string, scope?: ChatScope): boolean {
    const w = scopeWhere(scope);
    return this.db.prepare(`UPDATE chats AS c SET title = ? WHERE c.id = ? AND ${w.sql}`).run(title, id, ...w.params).changes > 0;
  }

  get(id: string, scope?: ChatScope): ChatView | undefined {
    const w = scopeWhere(scope);
    const row = this.db.prepare(`${CHAT_SELECT} WHERE c.id = ? AND ${w.sql}`).get(id, ...w.params) as ChatRow | undefined;
    if (!row) return undefined;
    return { ...toSummary(row), turns: this.turnsOf(id) };
  }

  create(chat: NewChat, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO chats (id, title, settings, collections, owner, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(chat.id, chatTitle(chat.question), JSON.stringify(chat.settings), JSON.stringify(chat.collections ?? []), chat.owner ?? null, now, now);
  }

  delete(id: string, scope?: ChatScope): boolean {
    const w = scopeWhere(scope);
    return this.db.prepare(`DELETE FROM chats AS c WHERE c.id = ? AND ${w.sql}`).run(id, ...w.params).changes > 0;
  }

  deleteAll(scope: ChatScope | undefined): number {
    const w = scopeWhere(scope);
    return this.db.prepare(`DELETE FROM chats AS c WHERE ${w.sql}`).run(...w.params).changes;
  }

  *exportPages(scope: ChatScope | undefined, pageSize = 100): Generator<ChatView[], void, undefined> {
    for (let before: string | undefined; ; ) {
      const { chats, next } = this.page({ limit: pageSize, before }, scope);
      yield chats.map((c) => ({ ...c, turns: this.turnsOf(c.id) }));
      if (!next) return;
      before = next;
    }
  }

  deleteInactive(before: number): number {
    return this.db.prepare('DELETE FROM chats WHERE updated_at < ?').run(before).changes;
  }

  addTurn(chatId: string, turn: { id: string; answerId: string; question: string; settings: Settings; collections?: ChatCollection[] | undefined }, now = Date.now()): void {
    this.db.transaction(() => {
      const { next } = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM turns WHERE chat_id = ?').get(chatId) as { next: number };
      this.db
        .prepare(
          `INSERT INTO turns (id, chat_id, seq, answer_id, question, sources, settings, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, '[]', ?, 'pending', ?, ?)`,
        )
        .run(turn.id, chatId, next, turn.answerId, turn.question, JSON.stringify(turn.settings), now, now);
      this.touch(chatId, turn.settings, now, turn.collections);
    })();
  }

  findAnswer(answerId: string, scope?: ChatScope): { chatId: string; turn: ChatTurn } | undefined {
    const w = scopeWhere(scope);
    const row = this.db.prepare(`SELECT t.* FROM turns t JOIN chats c ON c.id = t.chat_id WHERE t.answer_id = ? AND ${w.sql}`).get(answerId, ...w.params) as TurnRow | undefined;
    return row && { chatId: row.chat_id, turn: toTurn(row) };
  }

  complete(turnId: string, done: AnswerDone & { answerId: string; feedback?: string | undefined }, settings: Settings, now = Date.now()): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT chat_id FROM turns WHERE id = ?').get(turnId) as { chat_id: string } | undefined;
      if (!row) return; // the chat was deleted while the answer was being written
      this.db
        .prepare(
          `UPDATE turns SET answer_id = @answerId, answer = @answer, feedback = @feedback, searched_for = @searchedFor, sources = @sources, settings = @settings,
             worker = @worker, model = @model, timings = @timings, status = 'done', error = NULL, updated_at = @now WHERE id = @turnId`,
        )
        .run({
          turnId,
          answerId: done.answerId,
          answer: done.answer,
          feedback: done.feedback ?? null,
          searchedFor: done.searchedFor ?? null,
          sources: JSON.stringify(done.sources),
          settings: JSON.stringify(settings),
          worker: done.worker,
          model: done.model,
          timings: JSON.stringify(done.timings),
          now,
        });
      this.touch(row.chat_id, settings, now);
    })();
  }

  fail(turnId: string, status: 'error' | 'stopped', message: string, partial?: PartialAnswer, now = Date.now()): void {
    this.db
      .prepare("UPDATE turns SET status = ?, error = ?, answer = ?, feedback = ?, sources = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'error', 'stopped')")
      .run(status, message, partial?.text ? partial.text : null, partial?.text ? (partial.feedback ?? null) : null, JSON.stringify(partial?.sources ?? []), now, turnId);
  }

  history(chatId: string, beforeTurnId?: string): HistoryTurn[] {
    const before = beforeTurnId === undefined ? undefined : (this.db.prepare('SELECT seq FROM turns WHERE id = ?').get(beforeTurnId) as { seq: number } | undefined);
    const rows = this.db
      .prepare("SELECT question, answer FROM turns WHERE chat_id = ? AND status = 'done' AND seq < ? ORDER BY seq DESC LIMIT ?")
      .all(chatId, before?.seq ?? Number.MAX_SAFE_INTEGER, MAX_HISTORY_TURNS) as Array<{ question: string; answer: string }>;
    return rows.reverse().map((r) => ({ question: clip(r.question), answer: clip(r.answer) }));
  }

  findSource(documentId: string, chunkId: string, scope?: ChatScope, answerId?: string): Source | undefined {
    const w = scopeWhere(scope);
    // The answer the link came from first (one of the chats in scope): its citation check found the supporting sentence.
    if (answerId !== undefined) {
      const row = this.db
        .prepare(`SELECT t.sources FROM turns t JOIN chats c ON c.id = t.chat_id WHERE t.answer_id = ? AND ${w.sql}`)
        .get(answerId, ...w.params) as { sources: string } | undefined;
      const found = row && (JSON.parse(row.sources) as Source[]).find((s) => s.documentId === documentId && s.chunkId === chunkId);
      if (found) return found;
    }
    // The LIKE narrows the rows to scan; the JSON decides.
    const rows = this.db
      .prepare(`SELECT t.sources FROM turns t JOIN chats c ON c.id = t.chat_id WHERE t.sources LIKE ? ESCAPE '\\' AND ${w.sql} ORDER BY t.updated_at DESC LIMIT 20`)
      .all(`%${JSON.stringify(chunkId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`, ...w.params) as Array<{ sources: string }>;
    for (const r of rows) {
      const found = (JSON.parse(r.sources) as Source[]).find((s) => s.documentId === documentId && s.chunkId === chunkId);
      if (found) return found;
    }
    return undefined;
  }

  private turnsOf(chatId: string): ChatTurn[] {
    return (this.db.prepare('SELECT * FROM turns WHERE chat_id = ? ORDER BY seq').all(chatId) as TurnRow[]).map(toTurn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private touch(chatId: string, settings: Settings, now: number, collections?: ChatCollection[]): void {
    this.db
      .prepare('UPDATE chats SET settings = ?, collections = COALESCE(?, collections), updated_at = MAX(updated_at, ?) WHERE id = ?')
      .run(JSON.stringify(settings), collections === undefined ? null : JSON.stringify(collections), now, chatId);
  }
}
