/**
 * Makes a follow-up question self-contained before retrieval ("and on Sundays?" -> "When does the
 * harbour office open on Sundays?"), by asking the chat model with a short prompt, greedy and with
 * few tokens. The retriever only sees the question, so without this a follow-up finds passages
 * about nothing in particular.
 *
 * Small models misbehave here (they answer instead of rewriting, ramble, or return nothing), so the
 * output is cleaned to its first line and checked: empty, absurdly long, or a refusal falls back to
 * the question as asked. A failure of the model call falls back too: condensing is an improvement,
 * never a reason for an answer to fail.
 */
import type { HistoryTurn } from '../contracts/answer.ts';
import type { ChatMessage, ChatModel } from '../ports/chat-model.ts';
import { DEFAULT_SETTINGS } from '../contracts/settings.ts';

/** Tokens the rewrite may take: a question, not an answer. */
export const CONDENSE_MAX_TOKENS = 64;
/** Characters of each earlier answer shown to the rewriter: its topic is near the start. */
const ANSWER_EXCERPT_CHARS = 400;

const SYSTEM = [
  'Rewrite the last question of a conversation so that it can be understood without the conversation.',
  'Replace words like "it", "they", "there" and "that" with what they refer to.',
  'Reply with the rewritten question only, on one line. If it is already self-contained, repeat it unchanged.',
].join(' ');

export function condensePrompt(question: string, history: readonly HistoryTurn[]): ChatMessage[] {
  const lines = history.flatMap((t) => [`User: ${t.question}`, `Assistant: ${excerpt(t.answer)}`]);
  return [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Conversation:\n${lines.join('\n')}\n\nLast question: ${question}\n\nRewritten question:` },
  ];
}

function excerpt(text: string): string {
  const t = text.trim();
  return t.length > ANSWER_EXCERPT_CHARS ? `${t.slice(0, ANSWER_EXCERPT_CHARS)}…` : t;
}

/**
 * The rewrite, cleaned, or null when it is not usable: empty, longer than the question could
 * reasonably grow (3x + 200 characters), or not a question-like line at all.
 */
export function cleanCondensed(output: string, question: string): string | null {
  const firstLine = output.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  const text = firstLine
    .replace(/^(rewritten|standalone|self-contained)?\s*question\s*:\s*/i, '')
    .replace(/^["'“”«]+|["'“”»]+$/g, '')
    .trim();
  if (text.length < 3) return null;
  if (text.length > question.length * 3 + 200) return null;
  // The model answered with the not-found sentence or a citation instead of rewriting.
  if (/\[\d+\]|could not find/i.test(text)) return null;
  return text;
}

export interface Condensed {
  /** What retrieval searches for. */
  query: string;
  /** True when it differs from the question as asked. */
  rewritten: boolean;
}

export async function condenseQuestion(
  chat: ChatModel,
  question: string,
  history: readonly HistoryTurn[] | undefined,
  signal: AbortSignal,
  onFallback?: (why: string) => void,
): Promise<Condensed> {
  if (!history || history.length === 0) return { query: question, rewritten: false };
  try {
    const gen = await chat.generate(condensePrompt(question, history), {
      // Greedy and seeded: the same conversation always searches for the same thing.
      settings: { ...DEFAULT_SETTINGS, temperature: 0, maxTokens: CONDENSE_MAX_TOKENS, seed: 0 },
      signal,
    });
    if (signal.aborted) throw signal.reason;
    const cleaned = cleanCondensed(gen.text, question);
    if (cleaned === null) {
      onFallback?.(`unusable rewrite ${JSON.stringify(gen.text.slice(0, 120))}`);
      return { query: question, rewritten: false };
    }
    return { query: cleaned, rewritten: cleaned !== question };
  } catch (err) {
    if (signal.aborted) throw err;
    onFallback?.(`rewrite failed: ${err instanceof Error ? err.message : String(err)}`);
    return { query: question, rewritten: false };
  }
}
