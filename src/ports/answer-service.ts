/**
 * The asking port: a question in, a stream of replies out. src/asking/answer-client.ts implements
 * it over the message bus (the answer worker answers on the other side).
 */
import type { AnswerReply, HistoryTurn } from '../contracts/answer.ts';
import type { Channel } from '../contracts/channel.ts';
import type { Settings } from '../contracts/settings.ts';

export interface AskInput {
  question: string;
  chatId?: string | undefined;
  settings: Settings;
  /** The chat's recent finished turns, oldest first (see the answer contract). */
  history?: HistoryTurn[] | undefined;
  /** Ids of the collections to ask over; absent or empty: all of them. */
  collections?: string[] | undefined;
  /** A regeneration's style request (validated, one line); absent: none. */
  feedback?: string | undefined;
  /** Where the question came from, for analytics; absent: `web`. */
  channel?: Channel | undefined;
  /** The asking user's internal id, for analytics; absent: sign-in is off. */
  userId?: string | undefined;
}

export interface AskHandle {
  answerId: string;
  chatId: string;
  /** sources -> token* -> done | error; ends after done or error. Breaking out cancels. */
  replies: AsyncIterable<AnswerReply>;
}

export interface AnswerService {
  /** Validated input in; throws UnavailableError (busy) or InvalidInputError. */
  ask(input: AskInput, signal?: AbortSignal): Promise<AskHandle>;
}
