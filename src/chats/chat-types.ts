/**
 * What the chat store holds and the interface the web uses (./chat-store.ts implements it over
 * SQLite): chats, their turns, pages of the list, and the owner scope every read and write by id
 * goes through (./chat-scope.ts).
 */
import type { AnswerDone, HistoryTurn, Timings } from '../contracts/answer.ts';
import type { Settings } from '../contracts/settings.ts';
import type { Source } from '../contracts/source.ts';
import type { ChatScope } from './chat-scope.ts';

export type { ChatScope } from './chat-scope.ts';

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

/** A new chat: `owner` is the internal id of the user who asked (null or absent: sign-in is off). */
export interface NewChat {
  id: string;
  question: string;
  settings: Settings;
  collections?: ChatCollection[] | undefined;
  owner?: string | null | undefined;
}

/**
 * The web's view of the chat store (routes depend on this, tests may use ':memory:'). Every read
 * or change of a chat by id, list, or answer lookup takes a `scope`: the signed-in user's chats
 * only (another's chat is the same as no chat), or undefined for every chat (sign-in off).
 */
export interface ChatStore {
  /** Every chat, newest first (small stores and tests; pages use `page`). */
  list(scope?: ChatScope): ChatSummary[];
  /** Up to `limit` chats older than the `before` cursor (from a previous page), newest first. */
  page(opts?: { limit?: number; before?: string | undefined }, scope?: ChatScope): ChatPage;
  /** Gives a chat a new title (already validated); false when there is no such chat. */
  rename(id: string, title: string, scope?: ChatScope): boolean;
  get(id: string, scope?: ChatScope): ChatView | undefined;
  create(chat: NewChat, now?: number): void;
  delete(id: string, scope?: ChatScope): boolean;
  /** Deletes every chat of the scope; returns how many. */
  deleteAll(scope: ChatScope | undefined): number;
  /** Every chat of the scope with its turns, newest first, read `pageSize` chats at a time (export). */
  exportPages(scope: ChatScope | undefined, pageSize?: number): Generator<ChatView[], void, undefined>;
  /** Deletes the chats whose last activity (question or answer) is before `before`; returns how many. */
  deleteInactive(before: number): number;
  /** Adds a pending turn; `collections` (when given) becomes the chat's choice. */
  addTurn(chatId: string, turn: { id: string; answerId: string; question: string; settings: Settings; collections?: ChatCollection[] | undefined }, now?: number): void;
  /** The turn holding this answer id, with its chat. */
  findAnswer(answerId: string, scope?: ChatScope): { chatId: string; turn: ChatTurn } | undefined;
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
  /** A source some answer (of the scope's chats) cited, by document and chunk (for opening the passage). */
  /** `answerId`: that answer's source first (the citation check's supporting sentence), when it cited it. */
  findSource(documentId: string, chunkId: string, scope?: ChatScope, answerId?: string): Source | undefined;
  close(): void;
}

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
