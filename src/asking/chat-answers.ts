/**
 * Asking inside a chat: finds or starts the chat, sends the question with the chat's recent turns
 * (so the worker can make a follow-up self-contained), and records the turn as its answer streams:
 * `pending` at once, then done / error / stopped when the reply stream ends. Regenerating asks the
 * turn's question again with the turns before it, and the new answer replaces the turn's answer.
 * A regeneration may carry `feedback`, the person's style request ("shorter"): it goes to the
 * worker for this one answer and is recorded with the answer it shaped, never as the question.
 *
 * The recording wraps the reply stream and passes every reply through unchanged; leaving the
 * stream early (Stop, tab closed) still closes the inner stream, which cancels the answer. It
 * keeps the text streamed so far (dropped again when another worker restarts the answer), so a
 * turn that ends early keeps the partial answer the user saw.
 *
 * Private chats: `scope` limits the chats a question may continue or an answer regenerate to the
 * asking user's (another's is the same "no chat" 404); `userId` owns a chat started here and goes
 * with the request to analytics. Both absent: sign-in is off.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerReply } from '../contracts/answer.ts';
import type { Channel } from '../contracts/channel.ts';
import type { Settings } from '../contracts/settings.ts';
import { NotFoundError } from '../errors.ts';
import type { AnswerService, AskHandle } from '../ports/answer-service.ts';
import type { ChatCollection, ChatScope, ChatStore, ChatTurn, PartialAnswer } from '../chats/chat-store.ts';

/** What a turn that was stopped early says under its partial answer. */
export const STOPPED_NOTE = 'Stopped before the answer was complete.';

export interface ChatAskInput {
  question: string;
  chatId?: string | undefined;
  settings: Settings;
  /** The collections to ask over (kept with the chat as its choice); absent or empty: all. */
  collections?: ChatCollection[] | undefined;
  /** Where the question came from (analytics); absent: `web`. */
  channel?: Channel | undefined;
  /** The chats this user may continue; absent: any (sign-in off). */
  scope?: ChatScope | undefined;
  /** The asking user's internal id (owner of a new chat, analytics); absent or null: sign-in off. */
  userId?: string | null | undefined;
}

export interface RegenerateInput {
  answerId: string;
  /** Settings for the new answer; undefined keeps the turn's own. */
  settings?: Settings | undefined;
  /** Ids of the collections to ask over (the chat's choice, as the caller resolved it); absent or empty: all. */
  collections?: string[] | undefined;
  /** A style request for this answer only ("shorter"), validated by the caller; absent: none. */
  feedback?: string | undefined;
  /** Where the request came from (analytics); absent: `web`. */
  channel?: Channel | undefined;
  /** The chats whose answers this user may regenerate; absent: any (sign-in off). */
  scope?: ChatScope | undefined;
  /** The asking user's internal id (analytics); absent or null: sign-in off. */
  userId?: string | null | undefined;
}

interface Deps {
  chats: ChatStore;
  answers: AnswerService;
}

export async function askInChat(deps: Deps, input: ChatAskInput, signal?: AbortSignal): Promise<AskHandle> {
  const { chats } = deps;
  let chatId = input.chatId;
  let created = false;
  if (chatId !== undefined) {
    if (!chats.get(chatId, input.scope)) throw new NotFoundError(`No chat with id "${chatId}". It may have been deleted; list chats with GET /api/chats.`);
  } else {
    chatId = randomUUID();
    chats.create({ id: chatId, question: input.question, settings: input.settings, collections: input.collections, owner: input.userId ?? null });
    created = true;
  }
  const history = created ? [] : chats.history(chatId);
  let handle: AskHandle;
  try {
    const collections = input.collections && input.collections.length > 0 ? { collections: input.collections.map((c) => c.id) } : {};
    const channel = input.channel === undefined ? {} : { channel: input.channel };
    handle = await deps.answers.ask({ question: input.question, chatId, settings: input.settings, history, ...collections, ...channel, ...userOf(input.userId) }, signal);
  } catch (err) {
    // Refused (busy): a chat that was only just started for this question is not kept.
    if (created) chats.delete(chatId);
    throw err;
  }
  const turnId = randomUUID();
  chats.addTurn(chatId, { id: turnId, answerId: handle.answerId, question: input.question, settings: input.settings, collections: input.collections ?? [] });
  return { ...handle, chatId, replies: recorded(chats, turnId, handle, input.settings) };
}

/**
 * The chat and turn of the answer to regenerate; a NotFoundError when there is none in `scope`
 * (another's is the same 404). Routes call it before counting the question against the rate
 * limits, so asking to regenerate an unknown answer spends nothing.
 */
export function answerToRegenerate(chats: ChatStore, answerId: string, scope: ChatScope | undefined): { chatId: string; turn: ChatTurn } {
  const found = chats.findAnswer(answerId, scope);
  if (!found) throw new NotFoundError(`No answer with id "${answerId}" in any chat. It may have been deleted with its chat.`);
  return found;
}

export async function regenerate(deps: Deps, input: RegenerateInput, signal?: AbortSignal): Promise<AskHandle> {
  const { chats } = deps;
  const { chatId, turn } = answerToRegenerate(chats, input.answerId, input.scope);
  const settings = input.settings ?? turn.settings;
  const history = chats.history(chatId, turn.id);
  const collections = input.collections && input.collections.length > 0 ? { collections: input.collections } : {};
  const feedback = input.feedback ? { feedback: input.feedback } : {};
  const channel = input.channel === undefined ? {} : { channel: input.channel };
  const handle = await deps.answers.ask({ question: turn.question, chatId, settings, history, ...collections, ...feedback, ...channel, ...userOf(input.userId) }, signal);
  return { ...handle, chatId, replies: recorded(chats, turn.id, handle, settings, input.feedback) };
}

const userOf = (userId: string | null | undefined): { userId?: string } => (userId ? { userId } : {});

async function* recorded(chats: ChatStore, turnId: string, handle: AskHandle, settings: Settings, feedback?: string): AsyncGenerator<AnswerReply> {
  let ended = false;
  const partial: PartialAnswer = { text: '', sources: [], feedback };
  let sourcesSeen = false;
  try {
    for await (const reply of handle.replies) {
      if (reply.type === 'done') {
        chats.complete(turnId, { ...reply, answerId: handle.answerId, feedback }, settings);
        ended = true;
      } else if (reply.type === 'error') {
        chats.fail(turnId, 'error', reply.message, partial);
        ended = true;
      } else if (reply.type === 'sources') {
        // A second `sources` is a restart on another worker: the text so far is void.
        if (sourcesSeen) partial.text = '';
        partial.sources = reply.sources;
        sourcesSeen = true;
      } else if (reply.type === 'token') {
        partial.text += reply.text;
      }
      yield reply;
    }
  } finally {
    if (!ended) chats.fail(turnId, 'stopped', STOPPED_NOTE, partial);
  }
}
