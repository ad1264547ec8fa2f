/**
 * The state of the FAISS store (./faiss-store.ts), swapped in whole by one synchronous step: the
 * index, the chunk rows, the store's copy of the vectors (./vector-rows.ts), the documents, and the
 * lexical (BM25) index of the same passages (./lexical-index.ts) with the row of each chunk. And how
 * a state is made: empty, built off to the side a slice at a time from rows and vectors, rebuilt
 * without one document, and the lexical index of a loaded version (opened, or built from its chunks).
 */
import type { Logger } from '../log.ts';
import { yieldToEventLoop } from '../shared/yield.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import type { FaissIndex, FaissModule } from './faiss-native.ts';
import { HNSW_DESCRIPTOR, type IndexType } from './index-kind.ts';
import { LexicalIndex } from './lexical-index.ts';
import { VectorRows } from './vector-rows.ts';

/** Rows per faiss-node add call between two yields: a few ms of work each (./faiss-store.ts header). */
export const ADD_SLICE_ROWS = 256;
/** Passages added to the lexical index between two yields (~100 us each). */
export const LEXICAL_SLICE_ROWS = 256;

export interface State {
  index: FaissIndex;
  rows: ChunkRecord[];
  vectors: VectorRows;
  /** documentId -> name and chunk count. */
  docs: Map<string, { name: string; chunks: number }>;
  /** BM25 index of the same passages; shared by the states a rebuild derives from one another. */
  lexical: LexicalIndex;
  /** chunkId -> row, for the passages in `rows` (a lexical match outside it is not visible yet). */
  rowOf: Map<string, number>;
}

/** Makes the states of one store: its FAISS module, dimension and index type. */
export class FaissStates {
  constructor(
    private readonly faiss: FaissModule,
    private readonly dimensions: number,
    private readonly indexType: IndexType,
  ) {}

  private newIndex(): FaissIndex {
    const dims = this.dimensions;
    // HNSW keeps no row ids of its own either (removeIds aborts on it): rebuilt like Flat on delete.
    return this.indexType === 'hnsw' ? this.faiss.Index.fromFactory(dims, HNSW_DESCRIPTOR, this.faiss.MetricType.METRIC_INNER_PRODUCT) : new this.faiss.IndexFlatIP(dims);
  }

  emptyState(): State {
    return { index: this.newIndex(), rows: [], vectors: new VectorRows(this.dimensions), docs: new Map(), lexical: LexicalIndex.empty(), rowOf: new Map() };
  }

  /** A new state over `rows` and `vectors`, its index built off to the side a slice at a time (./faiss-store.ts header). */
  async build(rows: ChunkRecord[], vectors: VectorRows, lexical: LexicalIndex): Promise<State> {
    const index = this.newIndex();
    for (const batch of vectors.plainBatches(ADD_SLICE_ROWS)) {
      index.add(batch);
      await yieldToEventLoop();
    }
    return { index, rows, vectors, docs: countDocs(rows), lexical, rowOf: rowMap(rows) };
  }

  /** A rebuilt state without one document (FAISS Flat removal would renumber rows under us). */
  async without(from: State, documentId: string): Promise<State> {
    const { rows, vectors, lexical } = from;
    const keep = (i: number) => rows[i]!.documentId !== documentId;
    const state = await this.build(rows.filter((_, i) => keep(i)), vectors.filter(keep), lexical);
    // In the same synchronous step as the caller's swap: the lexical rows go with the vectors.
    lexical.removeDocument(documentId);
    return state;
  }
}

/**
 * The version's lexical index, opened in place; rebuilt from its chunks when the version has
 * none (written before the lexical index existed) or it does not match them.
 */
export async function lexicalOf(log: Logger, name: string, file: string | null, chunks: ChunkRecord[]): Promise<LexicalIndex> {
  const opened = file === null ? null : LexicalIndex.openFile(file);
  if (opened && opened.size === chunks.length) return opened;
  opened?.close();
  log.warn({ version: name, chunks: chunks.length, file }, 'version has no usable lexical index: building it from the chunks');
  const built = LexicalIndex.empty();
  for (let i = 0; i < chunks.length; i += LEXICAL_SLICE_ROWS) {
    built.add(chunks.slice(i, i + LEXICAL_SLICE_ROWS));
    await yieldToEventLoop();
  }
  return built;
}

export function rowMap(rows: ChunkRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  rows.forEach((r, i) => out.set(r.chunkId, i));
  return out;
}

export function countDocs(rows: ChunkRecord[]): State['docs'] {
  const docs: State['docs'] = new Map();
  for (const r of rows) {
    const d = docs.get(r.documentId);
    if (d) d.chunks++;
    else docs.set(r.documentId, { name: r.documentName, chunks: 1 });
  }
  return docs;
}
