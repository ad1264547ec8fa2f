/**
 * Asking inside a chat: finds or starts the chat, sends the question with the chat's recent turns
 * (so the worker can make a follow-up self-contained), and records the turn as its answer streams:
 * `pending` at once, then done / error / stopped when the reply stream ends. Regenerating asks the
 * turn's question again with the turns before it, and the new answer replaces the turn's answer.
 *
 * The recording wraps the reply stream and passes every reply through unchanged; leaving the
 * stream early (Stop, tab closed) still closes the inner stream, which cancels the answer.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerReply } from '../contracts/answer.ts';
import type { Settings } from '../contracts/settings.ts';
import { notFound } from '../web/http-error.ts';
import type { AnswerService, AskHandle } from '../web/services.ts';
import type { ChatStore } from './chat-store.ts';

export interface ChatAskInput {
  question: string;
  chatId?: string | undefined;
  settings: Settings;
}

export interface RegenerateInput {
  answerId: string;
  /** Settings for the new answer; undefined keeps the turn's own. */
  settings?: Settings | undefined;
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
    if (!chats.get(chatId)) throw notFound(`No chat with id "${chatId}". It may have been deleted; list chats with GET /api/chats.`);
  } else {
    chatId = randomUUID();
    chats.create({ id: chatId, question: input.question, settings: input.settings });
    created = true;
  }
  const history = created ? [] : chats.history(chatId);
  let handle: AskHandle;
  try {
    handle = await deps.answers.ask({ question: input.question, chatId, settings: input.settings, history }, signal);
  } catch (err) {
    // Refused (busy): a chat that was only just started for this question is not kept.
    if (created) chats.delete(chatId);
    throw err;
  }
  const turnId = randomUUID();
  chats.addTurn(chatId, { id: turnId, answerId: handle.answerId, question: input.question, settings: input.settings });
  return { ...handle, chatId, replies: recorded(chats, turnId, handle, input.settings) };
}

export async function regenerate(deps: Deps, input: RegenerateInput, signal?: AbortSignal): Promise<AskHandle> {
  const { chats } = deps;
  const found = chats.findAnswer(input.answerId);
  if (!found) throw notFound(`No answer with id "${input.answerId}" in any chat. It may have been deleted with its chat.`);
  const { chatId, turn } = found;
  const settings = input.settings ?? turn.settings;
  const history = chats.history(chatId, turn.id);
  const handle = await deps.answers.ask({ question: turn.question, chatId, settings, history }, signal);
  return { ...handle, chatId, replies: recorded(chats, turn.id, handle, settings) };
}

async function* recorded(chats: ChatStore, turnId: string, handle: AskHandle, settings: Settings): AsyncGenerator<AnswerReply> {
  let ended = false;
  try {
    for await (const reply of handle.replies) {
      if (reply.type === 'done') {
        chats.complete(turnId, { ...reply, answerId: handle.answerId }, settings);
        ended = true;
      } else if (reply.type === 'error') {
        chats.fail(turnId, 'error', reply.message);
        ended = true;
      }
      yield reply;
    }
  } finally {
    if (!ended) chats.fail(turnId, 'stopped', 'The answer was stopped before it was complete.');
  }
}
