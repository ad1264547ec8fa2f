/**
 * After generation: every [n] of the answer checked against the passage it cites
 * (contracts/citations.ts reads the markers, citation-support.ts scores). Each source comes back
 * with `cited`, `supported` and, when cited, `support`: the character range in the passage of the
 * sentence that best supports the citing sentence, and its score.
 *
 * A source cited by several sentences is supported only when it supports each of them (the page
 * marks every [n] of a source that fails once). Numbers that name no source are returned as
 * `unknown` (logged; the page shows them as plain text).
 */
import { citedSentences } from '../contracts/citations.ts';
import type { Source } from '../contracts/source.ts';
import { combinedScore, contentTerms, lexicalOverlap, passageSentences, SHORT_TERMS, SUPPORT_THRESHOLD } from './citation-support.ts';

/** Embeds texts as documents (unit vectors): the worker's Embedder.embedDocuments. */
export type EmbedTexts = (texts: string[]) => Promise<number[][]>;

export interface CitationCheck {
  sources: Source[];
  /** Cited numbers that name no source, in the order first cited. */
  unknown: number[];
}

interface Best {
  score: number;
  start: number;
  end: number;
  /** The rule of citation-support.ts: the score reaches the threshold, or a terse sentence is held whole. */
  supported: boolean;
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

/** The best supporting sentence of a passage for one answer sentence, from precomputed embeddings. */
export function bestSupport(
  sentence: string,
  sentenceVector: readonly number[],
  passage: ReadonlyArray<{ text: string; start: number; end: number; vector: readonly number[] }>,
): Best {
  const terms = contentTerms(sentence);
  let best: Best = { score: 0, start: 0, end: 0, supported: false };
  let whole: Best | undefined;
  for (const p of passage) {
    const lexical = lexicalOverlap(terms, contentTerms(p.text));
    const score = combinedScore(lexical, dot(sentenceVector, p.vector));
    if (score > best.score) best = { score, start: p.start, end: p.end, supported: score >= SUPPORT_THRESHOLD };
    if (terms.size <= SHORT_TERMS && lexical >= 1 && (!whole || score > whole.score)) whole = { score, start: p.start, end: p.end, supported: true };
  }
  // A terse sentence held whole by a passage sentence: that one is the support shown.
  return best.supported || !whole ? best : whole;
}

export async function checkCitations(answer: string, sources: readonly Source[], embed: EmbedTexts): Promise<CitationCheck> {
  const sentences = citedSentences(answer);
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const unknown: number[] = [];
  for (const s of sentences) for (const n of s.numbers) if (!byNumber.has(n) && !unknown.includes(n)) unknown.push(n);
  const citedNumbers = new Set(sentences.flatMap((s) => s.numbers).filter((n) => byNumber.has(n)));

  // One embedding batch: the citing sentences, then the sentences of every cited passage.
  const passages = new Map([...citedNumbers].map((n) => [n, passageSentences(byNumber.get(n)!.text)]));
  const texts = [...sentences.map((s) => s.text), ...[...passages.values()].flatMap((ps) => ps.map((p) => p.text))];
  const vectors = texts.length === 0 ? [] : await embed(texts);
  let at = sentences.length;
  const embedded = new Map([...passages].map(([n, ps]) => [n, ps.map((p) => ({ ...p, vector: vectors[at++] ?? [] }))]));

  const results = new Map<number, { supported: boolean; best: Best }>();
  for (const [i, s] of sentences.entries()) {
    for (const n of s.numbers) {
      const passage = embedded.get(n);
      if (!passage) continue;
      const best = bestSupport(s.text, vectors[i] ?? [], passage);
      const ok = best.supported;
      const before = results.get(n);
      results.set(n, {
        supported: (before?.supported ?? true) && ok,
        // The range shown: the best sentence of the best-supported citation (supported ones first; scores are at most 1).
        best: before && (before.best.supported ? 1 : 0) + before.best.score >= (best.supported ? 1 : 0) + best.score ? before.best : best,
      });
    }
  }
  return {
    unknown,
    sources: sources.map((s) => {
      const r = results.get(s.n);
      if (!r) return { ...s, cited: false, supported: null };
      return { ...s, cited: true, supported: r.supported, support: { start: r.best.start, end: r.best.end, score: Math.round(r.best.score * 1000) / 1000 } };
    }),
  };
}
