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
 * A turn regenerated with a style request ("shorter") keeps it as `feedback` next to the answer it
 * shaped (not as the question); it goes with that answer: replaced by the next regeneration, kept
 * when a later regeneration stops before replacing a complete answer. Tables: chat-schema.ts.
 */
import Database from 'better-sqlite3';
import { MAX_HISTORY_CHARS, MAX_HISTORY_TURNS, type AnswerDone, type HistoryTurn, type Timings } from '../contracts/answer.ts';
import type { Settings } from '../contracts/settings.ts';
import type { Source } from '../contracts/source.ts';
import { openChatSchema } from './chat-schema.ts';
import { decodeCursor, encodeCursor } from '../shared/keyset-cursor.ts';

export type TurnStatus = 'pending' | 'done' | 'error' | 'stopped';

export interface ChatTurn {
  id: string;
  answerId: string;
  question: string;
  /** The self-contained question retrieval used, when it differed from the question. */
  searchedFor: string | null;
  answer: string | null;
  /** The style request this answer was regenerated with ("shorter"); null for a plain answer. */
  feedback: string | null;
  sources: Source[];
  settings: Settings;
  worker: string | null;
  model: string | null;
  timings: Timings | null;
  status: TurnStatus;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A collection a chat asks over, as it was named when chosen. */
export interface ChatCollection {
  id: string;
  name: string;
}

export interface ChatSummary {
  id: string;
  title: string;
  /** The collections its questions ask over; empty: all. */
  collections: ChatCollection[];
  /** Settings of the chat's last question. */
  settings: Settings;
  turnCount: number;
  createdAt: number;
  updatedAt: number;
}

export interface ChatView extends ChatSummary {
  turns: ChatTurn[];
}

/** What an answer that ended early had shown. */
export interface PartialAnswer {
  text: string;
  sources: Source[];
  /** The style request it was being written with. */
  feedback?: string | undefined;
}

export interface ChatPage {
  chats: ChatSummary[];
  /** Cursor for the next (older) page; null when this is the last one. */
  next: string | null;
}

/** The web's view of the chat store (routes depend on this, tests may use ':memory:'). */
export interface ChatStore {
  /** Every chat, newest first (small stores and tests; pages use `page`). */
  list(): ChatSummary[];
  /** Up to `limit` chats older than the `before` cursor (from a previous page), newest first. */
  page(opts?: { limit?: number; before?: string | undefined }): ChatPage;
  /** Gives a chat a new title (already validated); false when there is no such chat. */
  rename(id: string, title: string): boolean;
  get(id: string): ChatView | undefined;
  create(chat: { id: string; question: string; settings: Settings; collections?: ChatCollection[] | undefined }, now?: number): void;
  delete(id: string): boolean;
  /** Adds a pending turn; `collections` (when given) becomes the chat's choice. */
  addTurn(chatId: string, turn: { id: string; answerId: string; question: string; settings: Settings; collections?: ChatCollection[] | undefined }, now?: number): void;
  /** The turn holding this answer id, with its chat. */
  findAnswer(answerId: string): { chatId: string; turn: ChatTurn } | undefined;
  /** Records a finished answer on a turn (replacing an earlier one, and its feedback, when regenerating). */
  complete(turnId: string, done: AnswerDone & { answerId: string; feedback?: string | undefined }, settings: Settings, now?: number): void;
  /**
   * Marks a turn without a complete answer as failed or stopped, keeping `partial` (the text
   * written before it ended and the sources it was written from) as its answer. A turn with an
   * earlier complete answer keeps that one.
   */
  fail(turnId: string, status: 'error' | 'stopped', message: string, partial?: PartialAnswer, now?: number): void;
  /** The last finished turns before `beforeTurnId` (or all), oldest first, texts cut for the wire. */
  history(chatId: string, beforeTurnId?: string): HistoryTurn[];
  /** A source some answer cited, by document and chunk (for opening the passage). */
  /** The source as an answer cited it: that answer's when `answerId` names one that cited it, else the latest. */
  findSource(documentId: string, chunkId: string, answerId?: string): Source | undefined;
  close(): void;
}

interface TurnRow {
  id: string; chat_id: string; seq: number; answer_id: string; question: string; searched_for: string | null;
  answer: string | null; feedback: string | null; sources: string; settings: string; worker: string | null; model: string | null;
  timings: string | null; status: TurnStatus; error: string | null; created_at: number; updated_at: number;
}
interface ChatRow { id: string; title: string; settings: string; collections: string; created_at: number; updated_at: number; turn_count: number }

/** Longest chat title (a derived one is cut to it; a rename longer than it is refused). */
export const TITLE_CHARS = 80;
/** Chats per page when the caller names no limit, and the most it may ask for. */
export const CHAT_PAGE_DEFAULT = 50;
export const CHAT_PAGE_MAX = 200;

/** A chat's name: its first question, on one line, cut at a word near TITLE_CHARS. */
export function chatTitle(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut}…`;
}

const clip = (text: string): string => (text.length > MAX_HISTORY_CHARS ? text.slice(0, MAX_HISTORY_CHARS - 1) + '…' : text);

const toTurn = (r: TurnRow): ChatTurn => ({
  id: r.id,
  answerId: r.answer_id,
  question: r.question,
  searchedFor: r.searched_for,
  answer: r.answer,
  feedback: r.feedback ?? null,
  sources: JSON.parse(r.sources) as Source[],
  settings: JSON.parse(r.settings) as Settings,
  worker: r.worker,
  model: r.model,
  timings: r.timings === null ? null : (JSON.parse(r.timings) as Timings),
  status: r.status,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toSummary = (r: ChatRow): ChatSummary => ({
  id: r.id,
  title: r.title,
  collections: JSON.parse(r.collections) as ChatCollection[],
  settings: JSON.parse(r.settings) as Settings,
  turnCount: r.turn_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The cursor after a chat: its place in the (updated_at DESC, id) order. */
const cursorOf = (c: ChatSummary): string => encodeCursor([c.updatedAt, c.id]);

/** The place a cursor names, or undefined when it is not one this store made. */
export function parseChatCursor(cursor: string): { updatedAt: number; id: string } | undefined {
  const v = decodeCursor(cursor, ['int', 'string']);
  return v && { updatedAt: v[0], id: v[1] };
}

const CHAT_SELECT = 'SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.chat_id = c.id) AS turn_count FROM chats c';

export class SqliteChatStore implements ChatStore {
  private readonly db: Database.Database;
  private closed = false;

  /** `file` is a path or ':memory:'. */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    openChatSchema(this.db);
  }

  list(): ChatSummary[] {
    return (this.db.prepare(`${CHAT_SELECT} ORDER BY c.updated_at DESC, c.id`).all() as ChatRow[]).map(toSummary);
  }

  page({ limit = CHAT_PAGE_DEFAULT, before }: { limit?: number; before?: string | undefined } = {}): ChatPage {
    const at = before === undefined ? undefined : parseChatCursor(before);
    if (before !== undefined && !at) throw new RangeError('not a chat list cursor');
    // One row more than asked tells whether another page follows.
    const rows = (
      at
        ? this.db.prepare(`${CHAT_SELECT} WHERE c.updated_at < ? OR (c.updated_at = ? AND c.id > ?) ORDER BY c.updated_at DESC, c.id LIMIT ?`).all(at.updatedAt, at.updatedAt, at.id, limit + 1)
        : this.db.prepare(`${CHAT_SELECT} ORDER BY c.updated_at DESC, c.id LIMIT ?`).all(limit + 1)
    ) as ChatRow[];
    const chats = rows.slice(0, limit).map(toSummary);
    const last = chats.at(-1);
    return { chats, next: rows.length > limit && last ? cursorOf(last) : null };
  }

  rename(id: string, title: string): boolean {
    return this.db.prepare('UPDATE chats SET title = ? WHERE id = ?').run(title, id).changes > 0;
  }

  get(id: string): ChatView | undefined {
    const row = this.db.prepare(`${CHAT_SELECT} WHERE c.id = ?`).get(id) as ChatRow | undefined;
    if (!row) return undefined;
    const turns = (this.db.prepare('SELECT * FROM turns WHERE chat_id = ? ORDER BY seq').all(id) as TurnRow[]).map(toTurn);
    return { ...toSummary(row), turns };
  }

  create(chat: { id: string; question: string; settings: Settings; collections?: ChatCollection[] | undefined }, now = Date.now()): void {
    this.db
      .prepare('INSERT INTO chats (id, title, settings, collections, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(chat.id, chatTitle(chat.question), JSON.stringify(chat.settings), JSON.stringify(chat.collections ?? []), now, now);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM chats WHERE id = ?').run(id).changes > 0;
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

  findAnswer(answerId: string): { chatId: string; turn: ChatTurn } | undefined {
    const row = this.db.prepare('SELECT * FROM turns WHERE answer_id = ?').get(answerId) as TurnRow | undefined;
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

  findSource(documentId: string, chunkId: string, answerId?: string): Source | undefined {
    // The answer the link came from first: its citation check found the supporting sentence.
    if (answerId !== undefined) {
      const row = this.db.prepare('SELECT sources FROM turns WHERE answer_id = ?').get(answerId) as { sources: string } | undefined;
      const found = row && (JSON.parse(row.sources) as Source[]).find((s) => s.documentId === documentId && s.chunkId === chunkId);
      if (found) return found;
    }
    // The LIKE narrows the rows to scan; the JSON decides.
    const rows = this.db
      .prepare("SELECT sources FROM turns WHERE sources LIKE ? ESCAPE '\\' ORDER BY updated_at DESC LIMIT 20")
      .all(`%${JSON.stringify(chunkId).replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as Array<{ sources: string }>;
    for (const r of rows) {
      const found = (JSON.parse(r.sources) as Source[]).find((s) => s.documentId === documentId && s.chunkId === chunkId);
      if (found) return found;
    }
    return undefined;
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
