/**
 * The chat store's rows as SQLite returns them and their mapping to the store's types, and the
 * opaque list cursor (the place of a chat in the (updated_at DESC, id) order).
 */
import { MAX_HISTORY_CHARS, type Timings } from '../contracts/answer.ts';
import type { Settings } from '../contracts/settings.ts';
import type { Source } from '../contracts/source.ts';
import { decodeCursor, encodeCursor } from '../shared/keyset-cursor.ts';
import type { ChatCollection, ChatSummary, ChatTurn, TurnStatus } from './chat-types.ts';

export interface TurnRow {
  id: string; chat_id: string; seq: number; answer_id: string; question: string; searched_for: string | null;
  answer: string | null; feedback: string | null; sources: string; settings: string; worker: string | null; model: string | null;
  timings: string | null; status: TurnStatus; error: string | null; created_at: number; updated_at: number;
}
export interface ChatRow { id: string; title: string; settings: string; collections: string; created_at: number; updated_at: number; turn_count: number }

/** A text cut to the length a history turn may have on the wire. */
export const clip = (text: string): string => (text.length > MAX_HISTORY_CHARS ? text.slice(0, MAX_HISTORY_CHARS - 1) + '…' : text);

export const toTurn = (r: TurnRow): ChatTurn => ({
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

export const toSummary = (r: ChatRow): ChatSummary => ({
  id: r.id,
  title: r.title,
  collections: JSON.parse(r.collections) as ChatCollection[],
  settings: JSON.parse(r.settings) as Settings,
  turnCount: r.turn_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The cursor after a chat: its place in the (updated_at DESC, id) order. */
export const cursorOf = (c: ChatSummary): string => encodeCursor([c.updatedAt, c.id]);

/** The place a cursor names, or undefined when it is not one this store made. */
export function parseChatCursor(cursor: string): { updatedAt: number; id: string } | undefined {
  const v = decodeCursor(cursor, ['int', 'string']);
  return v && { updatedAt: v[0], id: v[1] };
}
