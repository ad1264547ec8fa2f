/**
 * Docent's answer replies in OpenAI's chat completion shapes. The answer text keeps its [n]
 * citations; the passages they point to travel in the extension field `sources` (on the message of
 * a `chat.completion`, on the final chunk of a stream), each:
 *   {index: n, document, document_id, page, collection, collection_id, text, score,
 *    cited?, supported?, support?: {start, end, score}}
 * `cited` / `supported` / `support` are the answer worker's citation check (on the final sources
 * only; absent when unchecked): see "Citations" in docs/api.md.
 * `searched_for` (extension) is what retrieval searched for when a follow-up was made
 * self-contained from the earlier messages.
 */
import type { AnswerDone } from '../../contracts/answer.ts';
import { placeOf } from '../../contracts/location.ts';
import { citationCheck, type Source } from '../../contracts/source.ts';

export interface OpenAiSource {
  index: number;
  document: string;
  document_id: string;
  page: number | null;
  /** The unit the passage lies in: "page 4", "slide 3", "Sheet1, rows 12-40", `chapter "Storms"`; null when none. */
  location: string | null;
  collection: string | null;
  collection_id: string | null;
  text: string;
  score: number;
  cited?: boolean;
  supported?: boolean | null;
  support?: { start: number; end: number; score: number };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export const openAiSources = (sources: readonly Source[]): OpenAiSource[] =>
  sources.map((s) => ({
    index: s.n,
    document: s.documentName,
    document_id: s.documentId,
    page: s.page,
    location: placeOf(s).location,
    collection: s.collectionName ?? null,
    collection_id: s.collectionId ?? null,
    text: s.text,
    score: s.score,
    ...citationCheck(s),
  }));

export const usageOf = (done: AnswerDone): Usage => ({
  prompt_tokens: done.tokens.prompt,
  completion_tokens: done.tokens.completion,
  total_tokens: done.tokens.prompt + done.tokens.completion,
});

/** `length` when the answer used its whole token budget, else `stop`. */
export const finishReason = (done: AnswerDone, maxTokens: number): 'stop' | 'length' => (done.tokens.completion >= maxTokens ? 'length' : 'stop');

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completion(who: CompletionIdentity, done: AnswerDone, maxTokens: number) {
  return {
    id: who.id,
    object: 'chat.completion' as const,
    created: who.created,
    model: who.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          content: done.answer,
          refusal: null,
          sources: openAiSources(done.sources),
          ...(done.searchedFor === undefined ? {} : { searched_for: done.searchedFor }),
        },
        logprobs: null,
        finish_reason: finishReason(done, maxTokens),
      },
    ],
    usage: usageOf(done),
  };
}

/** One `chat.completion.chunk`; `usage: null` on every chunk but the usage one when usage was asked for. */
export function chunk(who: CompletionIdentity, delta: Record<string, unknown>, finish: 'stop' | 'length' | null, extra: Record<string, unknown> = {}) {
  return { id: who.id, object: 'chat.completion.chunk' as const, created: who.created, model: who.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra };
}
