/**
 * Asks one question set in every search mode over one ingested store and scores each mode
 * (retrieval-metrics.ts), with the search latency of each. The question is embedded once and the
 * vector reused by every mode that needs it; a mode's latency is the embedding time (dense and
 * hybrid) plus its own search time, measured here one after the other (in the service the hybrid
 * lexical query overlaps the embedding, so its figure here is an upper bound).
 *
 * Besides the three modes (hybrid with the product's fusion), diagnostic variants show why the
 * choices were made: each fusion method, and the lexical index without Porter stemming.
 */
import type { Embedder } from '../ports/embedder.ts';
import type { ChunkRecord, SearchHit, VectorStore } from '../ports/vector-store.ts';
import { FUSION } from '../retrieval/fusion.ts';
import { LexicalIndex } from '../retrieval/lexical-index.ts';
import { searchStores, type ModeOptions, type NamedStore } from '../retrieval/search-modes.ts';
import { firstRelevantRank, scoreRanks, type RetrievalScores } from './retrieval-metrics.ts';
import type { SquadQuestion } from './squad-set.ts';

export interface ModeScores extends RetrievalScores {
  /** Milliseconds per question: p50 and p95. */
  latencyMs: { p50: number; p95: number };
}

interface Variant {
  options: ModeOptions;
  embeds: boolean;
  store: NamedStore;
}

/** A store whose lexical search is another index over the same chunks (the no-stemming variant). */
function withLexical(store: VectorStore, lexical: LexicalIndex, chunks: ReadonlyMap<string, ChunkRecord>): VectorStore {
  const searchText = (text: string, k: number): Promise<SearchHit[]> =>
    Promise.resolve(lexical.search(text, k).flatMap((m) => {
      const c = chunks.get(m.chunkId);
      return c ? [{ ...c, score: m.score, lexicalScore: m.score }] : [];
    }));
  return Object.assign(Object.create(store) as VectorStore, { searchText });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};

export interface ModeEvalSetup {
  store: VectorStore;
  /** Every chunk the store holds (for the diagnostic lexical index). */
  chunks: ChunkRecord[];
  embedder: Embedder;
}

export interface ModeEval {
  /** Scores per mode and variant, and each question's hits in the product's hybrid mode. */
  run(questions: readonly SquadQuestion[], onHits?: (q: SquadQuestion, hybrid: SearchHit[], dense: SearchHit[]) => void, say?: (line: string) => void): Promise<Record<string, ModeScores>>;
  close(): void;
}

export function createModeEval({ store, chunks, embedder }: ModeEvalSetup): ModeEval {
  const noStem = LexicalIndex.build(chunks, { stemming: false });
  const byId = new Map(chunks.map((c) => [c.chunkId, c]));
  const main: NamedStore = { id: '', store };
  const unstemmed: NamedStore = { id: '', store: withLexical(store, noStem, byId) };
  const variants: Record<string, Variant> = {
    dense: { options: { mode: 'dense' }, embeds: true, store: main },
    lexical: { options: { mode: 'lexical' }, embeds: false, store: main },
    hybrid: { options: { mode: 'hybrid', fusion: FUSION }, embeds: true, store: main },
    'hybrid-rrf': { options: { mode: 'hybrid', fusion: 'rrf' }, embeds: true, store: main },
    'hybrid-convex': { options: { mode: 'hybrid', fusion: 'convex' }, embeds: true, store: main },
    'lexical-no-stemming': { options: { mode: 'lexical' }, embeds: false, store: unstemmed },
    'hybrid-no-stemming': { options: { mode: 'hybrid', fusion: FUSION }, embeds: true, store: unstemmed },
  };
  return {
    async run(questions, onHits, say) {
      const ranks = new Map<string, (number | null)[]>(Object.keys(variants).map((v) => [v, []]));
      const ms = new Map<string, number[]>(Object.keys(variants).map((v) => [v, []]));
      for (const [i, q] of questions.entries()) {
        const t0 = performance.now();
        const vector = await embedder.embedQuery(q.question);
        const embedMs = performance.now() - t0;
        const hitsOf: Record<string, SearchHit[]> = {};
        for (const [name, v] of Object.entries(variants)) {
          const t = performance.now();
          const hits = await searchStores([v.store], q.question, () => Promise.resolve(vector), 10, v.options);
          ms.get(name)!.push(performance.now() - t + (v.embeds ? embedMs : 0));
          ranks.get(name)!.push(firstRelevantRank(hits, q));
          hitsOf[name] = hits;
        }
        onHits?.(q, hitsOf.hybrid!, hitsOf.dense!);
        if ((i + 1) % 250 === 0) say?.(`asked ${i + 1}/${questions.length}`);
      }
      const out: Record<string, ModeScores> = {};
      for (const name of Object.keys(variants)) {
        const t = ms.get(name)!;
        out[name] = { ...scoreRanks(ranks.get(name)!), latencyMs: { p50: pct(t, 0.5), p95: pct(t, 0.95) } };
      }
      return out;
    },
    close: () => noStem.close(),
  };
}
