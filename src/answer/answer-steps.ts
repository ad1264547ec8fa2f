/**
 * The steps of one answer before and around generation, each on its own so answer-handler.ts reads
 * as the sequence it is: ground the question in the documents (condense a follow-up, retrieve,
 * keep passages that read as instructions out of the prompt (injection-guard.ts), fit the prompt to
 * the context, number the sources), and clock its stages for the timings the
 * `done` reply and the `qa` event carry. Retrieval and prompt building are trace spans of their own.
 */
import { placeOf } from '../contracts/location.ts';
import type { AnswerRequest, Timings } from '../contracts/answer.ts';
import type { Source } from '../contracts/source.ts';
import type { Logger } from '../log.ts';
import type { ChatMessage, ChatModel } from '../ports/chat-model.ts';
import type { SearchHit } from '../ports/vector-store.ts';
import { condenseQuestion } from './condense.ts';
import { guardPassages, type InjectionGuardMode } from './injection-guard.ts';
import { buildPrompt } from './prompt.ts';
import { inSpan, startSpan } from '../tracing/trace-context.ts';

export interface GroundingDeps {
  retriever: { search(query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]> };
  chat: ChatModel;
  systemPrompt: string | undefined;
  /** What to do with passages that read as instructions to the assistant; default `drop`. */
  injectionGuard?: InjectionGuardMode | undefined;
}

export interface Grounded {
  messages: ChatMessage[];
  /**
   * The passages that made it into the prompt, numbered as the answer cites them, then those the
   * injection guard kept out (flagged, numbered after them: never cited).
   */
  sources: Source[];
  /** How many of `sources` the prompt shows (the rest were kept out by the injection guard). */
  inPrompt: number;
  /** `{ searchedFor }` when a follow-up was rewritten before retrieval, else empty (spread into replies). */
  searchedFor: { searchedFor?: string };
  /** Highest cosine similarity among the retrieved passages (before any was dropped); null: none or not computed. */
  bestSimilarity: number | null;
}

/** Condenses a follow-up, retrieves passages for it and builds the prompt from those that fit. */
export async function groundQuestion(deps: GroundingDeps, req: AnswerRequest, clock: StageClock, signal: AbortSignal, log: Logger): Promise<Grounded> {
  // A follow-up is made self-contained first: the retriever sees only this one string.
  const { condensed, hits } = await inSpan('retrieval', { attributes: { 'docent.k': req.settings.k } }, async (span) => {
    const c = await condenseQuestion(deps.chat, req.question, req.history, signal, (why) => log.info(why + '; searching for the question as asked'));
    // Only the chosen collections are searched (none chosen: all of them).
    const found = await deps.retriever.search(c.query, req.settings.k, req.collections);
    span.setAttributes({ 'docent.condensed': c.rewritten, 'docent.hits': found.length });
    return { condensed: c, hits: found };
  });
  clock.retrieved();
  const promptSpan = startSpan('prompt', {});
  const mode = deps.injectionGuard ?? 'drop';
  const guarded = guardPassages(hits, mode);
  if (guarded.reasons.size > 0) log.warn({ flagged: [...guarded.reasons.values()], mode }, 'passages read as instructions to the assistant');
  const prompt = buildPrompt({
    question: req.question,
    history: req.history,
    // A regeneration's style request: in the prompt only, never in what is searched for.
    feedback: req.feedback,
    hits: guarded.promptHits,
    quoted: mode !== 'off',
    flagged: guarded.reasons,
    systemPrompt: deps.systemPrompt,
    contextSize: deps.chat.contextSize,
    maxTokens: req.settings.maxTokens,
    countTokens: (t) => deps.chat.countTokens(t),
  });
  promptSpan.setAttributes({ 'docent.passages_in_prompt': prompt.used.length, 'docent.passages_flagged': guarded.dropped.length });
  promptSpan.end();
  return {
    messages: prompt.messages,
    inPrompt: prompt.used.length,
    sources: [...prompt.used, ...guarded.dropped].map((h, i) => toSource(h, i, guarded.reasons.get(h))),
    searchedFor: condensed.rewritten ? { searchedFor: condensed.query } : {},
    bestSimilarity: bestSimilarity(hits),
  };
}

/** The best cosine similarity of the hits that carry one (dense and hybrid search); null when none does. */
export function bestSimilarity(hits: readonly SearchHit[]): number | null {
  let best: number | null = null;
  for (const h of hits) if (h.similarity !== undefined && (best === null || h.similarity > best)) best = h.similarity;
  return best;
}

/** A prompt passage as the asker sees it: `n` is its number in the prompt (cited as [n]). */
function toSource(h: SearchHit, i: number, flaggedReason: string | undefined): Source {
  return {
    n: i + 1,
    documentId: h.documentId,
    documentName: h.documentName,
    page: h.page,
    location: placeOf(h).location,
    text: h.text,
    score: h.score,
    chunkId: h.chunkId,
    headingPath: h.headingPath ?? null,
    start: h.start,
    end: h.end,
    ...(h.collectionId === undefined ? {} : { collectionId: h.collectionId }),
    ...(h.ocr ? { ocr: true } : {}),
    ...(flaggedReason === undefined ? {} : { flagged: true, flaggedReason }),
  };
}

/** When each stage of one answer began and ended, from the web's `requestedAt` on. */
export class StageClock {
  /** When this worker picked the request up. */
  readonly startedAt = Date.now();
  private retrievedAt = this.startedAt;
  private generateStart = this.startedAt;

  constructor(private readonly requestedAt: number) {}

  retrieved(): void {
    this.retrievedAt = Date.now();
  }

  generating(): void {
    this.generateStart = Date.now();
  }

  /** Ends the clock; `firstTokenMs` is the model's own, from the start of generation. */
  finished(firstTokenMs: number): { timings: Timings; finishedAt: number } {
    const finishedAt = Date.now();
    const timings = {
      queueWaitMs: Math.max(0, this.startedAt - this.requestedAt),
      retrievalMs: this.retrievedAt - this.startedAt,
      firstTokenMs: this.generateStart - this.requestedAt + firstTokenMs,
      generationMs: finishedAt - this.generateStart,
      totalMs: finishedAt - this.requestedAt,
    };
    return { timings, finishedAt };
  }
}
