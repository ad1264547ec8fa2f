/** The chat-model port: one loaded model, many concurrent generations up to its sequence count. */
import type { Settings } from '../contracts/settings.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateOptions {
  settings: Settings;
  signal?: AbortSignal;
  /** Called once with the prompt's token count, before the prompt is evaluated. */
  onPrompt?: (promptTokens: number) => void;
  /** Called with each piece of generated text, in order. */
  onText?: (text: string) => void;
}

export interface Generation {
  text: string;
  promptTokens: number;
  completionTokens: number;
  /** Ms from the call to the first generated text. */
  firstTokenMs: number;
}

/**
 * The one rule for how long a reply may be: the asked maxTokens, cut to the context left after the
 * prompt (never below 0). Generation stops at the end of the context rather than shifting it, which
 * would silently drop the start of the prompt; the answer's prompt keeps this much room free.
 */
export function replyRoom(maxTokens: number, contextSize: number, promptTokens: number): number {
  return Math.max(0, Math.min(maxTokens, contextSize - promptTokens));
}

export interface ChatModel {
  readonly name: string;
  readonly contextSize: number;
  /** Sequences that can generate at once; more callers wait for a free one. */
  readonly sequences: number;
  /** Messages: a system prompt, earlier turns, the user's turn last. */
  generate(messages: ChatMessage[], opts: GenerateOptions): Promise<Generation>;
  countTokens(text: string): number;
  close(): Promise<void>;
}
