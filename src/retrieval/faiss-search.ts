/**
 * The FAISS store's reads (./faiss-store.ts) of one state (./faiss-state.ts): nearest vectors,
 * lexical (BM25) matches, the cosine of given passages to a query, and one document's rows.
 * Synchronous on purpose: the state cannot change between the index query and the row lookup.
 * `query` is the store's reused buffer for the normalised query vector.
 */
import type { DocumentRows, SearchHit } from '../ports/vector-store.ts';
import type { State } from './faiss-state.ts';
import { searchDepth, type IndexType } from './index-kind.ts';
import { normaliseInto } from './vector-rows.ts';

/** The `k` rows nearest `vector`; rows not in `state.rows` yet (a document being added) are skipped. */
export function searchVectors(state: State, query: number[], indexType: IndexType, vector: number[], k: number): SearchHit[] {
  const { index, rows } = state;
  if (vector.length !== query.length) throw new RangeError(`query has ${vector.length} dimensions, the index ${query.length}`);
  // faiss-node throws when k exceeds the number of vectors.
  const n = Math.min(Math.floor(k), rows.length);
  if (n < 1 || !normaliseInto(vector, query)) return [];
  // Rows of a document being added are in FAISS before their chunks are in `rows`: look past them.
  const total = index.ntotal();
  const hidden = total - rows.length;
  const { labels, distances } = index.search(query, Math.min(total, searchDepth(indexType, n, rows.length) + hidden));
  const hits: SearchHit[] = [];
  // Results come best first; an HNSW search was asked for more than n to search deeper.
  for (let i = 0; i < labels.length && hits.length < n; i++) {
    const row = rows[labels[i]!];
    if (row) hits.push({ ...row, score: distances[i]! });
  }
  return hits;
}

/** The `k` best lexical matches; `pendingLexical` passages (a document being added) have no row yet. */
export function searchText(state: State, pendingLexical: number, text: string, k: number): SearchHit[] {
  const { lexical, rows, rowOf } = state;
  const n = Math.min(Math.floor(k), rows.length);
  if (n < 1) return [];
  // Passages of a document being added are in the FTS table before their rows: look past them.
  const hidden = pendingLexical;
  const hits: SearchHit[] = [];
  for (const m of lexical.search(text, n + hidden)) {
    const i = rowOf.get(m.chunkId);
    if (i === undefined) continue;
    hits.push({ ...rows[i]!, score: m.score, lexicalScore: m.score });
    if (hits.length === n) break;
  }
  return hits;
}

/** The cosine of each passage of `chunkIds` in the state to `vector`; passages not in it are left out. */
export function similarities(state: State, query: number[], vector: number[], chunkIds: readonly string[]): Map<string, number> {
  const { vectors, rowOf } = state;
  const out = new Map<string, number>();
  if (vector.length !== query.length || !normaliseInto(vector, query)) return out;
  for (const id of chunkIds) {
    const i = rowOf.get(id);
    if (i === undefined) continue;
    const row = vectors.row(i);
    let dot = 0;
    for (let d = 0; d < row.length; d++) dot += row[d]! * query[d]!;
    out.set(id, dot);
  }
  return out;
}

/** Copies of one document's chunks and vectors, or undefined when the state does not hold it. */
export function documentRows(state: State, documentId: string): DocumentRows | undefined {
  const { rows, vectors, docs } = state;
  if (!docs.has(documentId)) return undefined;
  const out: DocumentRows = { chunks: [], vectors: [] };
  for (let i = 0; i < rows.length; i++) {
    if (rows[i]!.documentId !== documentId) continue;
    out.chunks.push({ ...rows[i]! });
    out.vectors.push(vectors.row(i).slice());
  }
  return out;
}
