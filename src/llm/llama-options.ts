/**
 * Maps Docent's chat messages and sampling settings onto node-llama-cpp's chat history and
 * generation options. Kept apart from the adapter so the mapping is testable without a model.
 */
import type { ChatHistoryItem } from 'node-llama-cpp';
import type { ChatMessage } from '../ports/chat-model.ts';
import type { Settings } from '../contracts/settings.ts';
import { InvalidInputError } from '../errors.ts';

/** Tokens the repeat penalty looks back over (llama.cpp's usual window). */
const REPEAT_PENALTY_WINDOW = 64;

/** System + earlier turns + the user's turn, followed by the empty model turn to generate. */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'user') throw new InvalidInputError('the last chat message must be the user\'s turn');
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  history.push({ type: 'model', response: [] });
  return history;
}

export interface SamplingOptions {
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number | undefined;
  repeatPenalty: false | { penalty: number; lastTokens: number };
}

/** Temperature 0 is greedy in node-llama-cpp (topK/topP then have no effect); repeatPenalty 1 is off. */
export function toSamplingOptions(s: Settings, maxTokens: number): SamplingOptions {
  return {
    maxTokens,
    temperature: s.temperature,
    topK: s.topK,
    topP: s.topP,
    seed: s.seed,
    repeatPenalty: s.repeatPenalty > 1 ? { penalty: s.repeatPenalty, lastTokens: REPEAT_PENALTY_WINDOW } : false,
  };
}
