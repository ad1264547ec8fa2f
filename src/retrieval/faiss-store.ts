/**
 * The VectorStore on FAISS (faiss-node): an exact IndexFlatIP over L2-normalised vectors, so the
 * inner product is the cosine similarity; or, with `indexType: 'hnsw'` (config INDEX_TYPE), an
 * approximate HNSW index over the same vectors for large collections (index-kind.ts).
 *
 * Measured limits of faiss-node shape it: `removeIds` shifts the remaining ids on Flat indexes
 * (and aborts the process on HNSW), IDMap aborts on add, and vectors cannot be read back. So the
 * store owns row -> chunk mapping and a copy of every vector; removing a document rebuilds the
 * index from the kept vectors. Mutations, saves and reloads run one at a time; searches run
 * any time and see either the state before or after a mutation (each swap is synchronous).
 *
 * faiss-node's add copies from a plain JS array element by element (~35 us a row with the
 * conversion): 24 000 rows in one call held the event loop for a second, and in `npm start` that
 * loop serves HTTP. So vectors go into FAISS ADD_SLICE_ROWS at a time with a yield in between: a
 * rebuilt index is built off to the side and swapped in; an added document's rows are appended to
 * the live index and stay invisible to search (a label without its chunk row is skipped, and the
 * search looks that much deeper) until the chunk rows are pushed in one synchronous step.
 *
 * The lexical (BM25) index of the same passages (lexical-index.ts) is part of the state: a document
 * is added to it before its rows become visible (a lexical match whose chunk is not in the state yet
 * is skipped, as for FAISS rows), removed in the step that swaps in the index without it, written
 * into each version and loaded with it. So both searches always see the same passages.
 *
 * Persistence (atomic versions + CURRENT pointer) is in faiss-files.ts; the model check in index-manifest.ts.
 */
import fs from 'node:fs/promises';
import { AppError } from '../errors.ts';
import { logger } from '../log.ts';
import { yieldToEventLoop } from '../shared/yield.ts';
import type { ChunkRecord, DocumentRows, IndexManifest, SearchHit, VectorStore } from '../ports/vector-store.ts';
import { pointCurrent, pruneVersions, readCurrent, readVersion, writeVersion, type SaveStepHook } from './faiss-files.ts';
import { loadFaiss, type FaissIndex, type FaissModule } from './faiss-native.ts';
import { searchDepth, storedIndexType, HNSW_DESCRIPTOR, type IndexType } from './index-kind.ts';
import { assertCompatible, MANIFEST_FORMAT } from './index-manifest.ts';
import { LexicalIndex } from './lexical-index.ts';
import { assertUsable, normaliseInto, VectorRows } from './vector-rows.ts';

export interface FaissStoreOptions {
  /** Directory of the versions and the CURRENT pointer (config VECTORSTORE_DIR); created if missing. */
  dir: string;
  /** What the configured embedder and chunker produce; a stored index built otherwise is refused. */
  manifest: IndexManifest;
  /** Exact (`flat`, the default) or approximate (`hnsw`) search; recorded in each version's manifest. */
  indexType?: IndexType;
  /** Called between the steps of each save (faiss-files.ts SaveStep); crash tests stop the writer there. */
  onSaveStep?: SaveStepHook;
  /** Loads this version instead of the one CURRENT names (a reader serving an older one: stale-index.ts). */
  version?: string;
}

/** Rows per faiss-node add call between two yields: a few ms of work each (header). */
export const ADD_SLICE_ROWS = 256;
/** Passages added to the lexical index between two yields (~100 us each). */
const LEXICAL_SLICE_ROWS = 256;
/** Vectors validated and normalised between two yields (~4 us each). */
const NORMALISE_SLICE_ROWS = 4096;

interface State {
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

class FaissStore implements VectorStore {
  private state: State;
  private current: string | null = null;
  /** Passages in the lexical index whose rows are not in the state yet (a document being added). */
  private pendingLexical = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Reused for every query: faiss-node wants a plain array, and search should not allocate one. */
  private readonly query: number[];
  private readonly log = logger('faiss-store');
  private readonly indexType: IndexType;

  constructor(
    private readonly faiss: FaissModule,
    private readonly opts: FaissStoreOptions,
  ) {
    this.indexType = opts.indexType ?? 'flat';
    this.query = new Array<number>(opts.manifest.dimensions).fill(0);
    this.state = this.emptyState();
  }

  get size(): number {
    return this.state.rows.length;
  }

  get version(): string | null {
    return this.current;
  }

  hasDocument(documentId: string): boolean {
    return this.state.docs.has(documentId);
  }

  addDocument(chunks: ChunkRecord[], vectors: ReadonlyArray<ArrayLike<number>>): Promise<void> {
    return this.exclusive(async () => {
      if (chunks.length !== vectors.length) throw new RangeError(`${chunks.length} chunks but ${vectors.length} vectors`);
      const documentId = chunks[0]?.documentId;
      if (documentId === undefined) return;
      if (chunks.some((c) => c.documentId !== documentId)) throw new RangeError('addDocument takes the chunks of one document');
      // Validates every vector before anything changes.
      for (let i = 0; i < vectors.length; i++) {
        assertUsable(vectors[i]!, this.opts.manifest.dimensions);
        if (i % NORMALISE_SLICE_ROWS === NORMALISE_SLICE_ROWS - 1) await yieldToEventLoop();
      }
      // Replacing keeps one copy of a document however often it is ingested.
      if (this.state.docs.has(documentId)) this.state = await this.without(documentId);
      const state = this.state;
      const from = state.vectors.count;
      try {
        for (let i = 0; i < chunks.length; i += LEXICAL_SLICE_ROWS) {
          const slice = chunks.slice(i, i + LEXICAL_SLICE_ROWS);
          state.lexical.add(slice);
          this.pendingLexical += slice.length;
          await yieldToEventLoop();
        }
        // Normalised straight into the store's own copy (no second copy of a large document's
        // vectors); rows past state.rows.length are not searchable yet (header).
        state.vectors.reserve(from + vectors.length);
        for (let i = 0; i < vectors.length; i++) {
          state.vectors.push(vectors[i]!);
          if (i % NORMALISE_SLICE_ROWS === NORMALISE_SLICE_ROWS - 1) await yieldToEventLoop();
        }
        for (const batch of state.vectors.plainBatches(ADD_SLICE_ROWS, from)) {
          state.index.add(batch);
          await yieldToEventLoop();
        }
      } catch (err) {
        // FAISS may hold rows without chunks: rebuild it from what the store really holds.
        state.vectors.truncate(from);
        state.lexical.removeDocument(documentId);
        this.pendingLexical = 0;
        this.state = await this.build(state.rows, state.vectors, state.lexical);
        throw err;
      }
      for (const c of chunks) {
        state.rowOf.set(c.chunkId, state.rows.length);
        state.rows.push(c);
      }
      this.pendingLexical = 0;
      state.docs.set(documentId, { name: chunks[0]!.documentName, chunks: chunks.length });
    });
  }

  /** Synchronous: one consistent state (a mutation swaps the state in one step). */
  documentRows(documentId: string): DocumentRows | undefined {
    const { rows, vectors, docs } = this.state;
    if (!docs.has(documentId)) return undefined;
    const out: DocumentRows = { chunks: [], vectors: [] };
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.documentId !== documentId) continue;
      out.chunks.push({ ...rows[i]! });
      out.vectors.push(vectors.row(i).slice());
    }
    return out;
  }

  removeDocument(documentId: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (!this.state.docs.has(documentId)) return false;
      this.state = await this.without(documentId);
      return true;
    });
  }

  search(vector: number[], k: number): Promise<SearchHit[]> {
    // A throw inside the executor becomes a rejection, as callers of a Promise API expect.
    return new Promise((resolve) => resolve(this.searchNow(vector, k)));
  }

  /** Synchronous on purpose: the state cannot change between the FAISS call and the row lookup. */
  private searchNow(vector: number[], k: number): SearchHit[] {
    this.assertOpen();
    const { index, rows } = this.state;
    if (vector.length !== this.query.length) throw new RangeError(`query has ${vector.length} dimensions, the index ${this.query.length}`);
    // faiss-node throws when k exceeds the number of vectors.
    const n = Math.min(Math.floor(k), rows.length);
    if (n < 1 || !normaliseInto(vector, this.query)) return [];
    // Rows of a document being added are in FAISS before their chunks are in `rows`: look past them.
    const total = index.ntotal();
    const hidden = total - rows.length;
    const { labels, distances } = index.search(this.query, Math.min(total, searchDepth(this.indexType, n, rows.length) + hidden));
    const hits: SearchHit[] = [];
    // Results come best first; an HNSW search was asked for more than n to search deeper.
    for (let i = 0; i < labels.length && hits.length < n; i++) {
      const row = rows[labels[i]!];
      if (row) hits.push({ ...row, score: distances[i]! });
    }
    return hits;
  }

  searchText(text: string, k: number): Promise<SearchHit[]> {
    return new Promise((resolve) => resolve(this.searchTextNow(text, k)));
  }

  similarities(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>> {
    return new Promise((resolve) => resolve(this.similaritiesNow(vector, chunkIds)));
  }

  /** Synchronous, like searchNow: one state for the FTS query and the row lookup. */
  private searchTextNow(text: string, k: number): SearchHit[] {
    this.assertOpen();
    const { lexical, rows, rowOf } = this.state;
    const n = Math.min(Math.floor(k), rows.length);
    if (n < 1) return [];
    // Passages of a document being added are in the FTS table before their rows: look past them.
    const hidden = this.pendingLexical;
    const hits: SearchHit[] = [];
    for (const m of lexical.search(text, n + hidden)) {
      const i = rowOf.get(m.chunkId);
      if (i === undefined) continue;
      hits.push({ ...rows[i]!, score: m.score, lexicalScore: m.score });
      if (hits.length === n) break;
    }
    return hits;
  }

  private similaritiesNow(vector: number[], chunkIds: readonly string[]): Map<string, number> {
    this.assertOpen();
    const { vectors, rowOf } = this.state;
    const out = new Map<string, number>();
    if (vector.length !== this.query.length || !normaliseInto(vector, this.query)) return out;
    for (const id of chunkIds) {
      const i = rowOf.get(id);
      if (i === undefined) continue;
      const row = vectors.row(i);
      let dot = 0;
      for (let d = 0; d < row.length; d++) dot += row[d]! * this.query[d]!;
      out.set(id, dot);
    }
    return out;
  }

  save(): Promise<string> {
    return this.exclusive(async () => {
      const { dir, manifest } = this.opts;
      const { index, rows, vectors, docs, lexical } = this.state;
      const previous = await readCurrent(dir);
      const name = await writeVersion(dir, {
        manifest: {
          format: MANIFEST_FORMAT,
          ...manifest,
          indexType: this.indexType,
          chunks: rows.length,
          vectors: 'f32le',
          documents: [...docs].map(([documentId, d]) => ({ documentId, documentName: d.name, chunks: d.chunks })),
        },
        chunks: rows,
        vectors: vectors.view(),
        writeIndex: (file) => index.write(file),
        writeLexical: (file) => lexical.writeTo(file),
      }, this.opts.onSaveStep);
      await pointCurrent(dir, name, this.opts.onSaveStep);
      this.current = name;
      // The previous version stays for readers that are still loading it.
      const removed = await pruneVersions(dir, new Set(previous ? [name, previous] : [name]));
      this.log.info({ version: name, chunks: rows.length, documents: docs.size, removed }, 'index version saved');
      return name;
    });
  }

  reload(): Promise<boolean> {
    return this.exclusive(async () => {
      const name = await readCurrent(this.opts.dir);
      if (name === null || name === this.current) return false;
      await this.load(name);
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    this.state.lexical.close();
    this.state = this.emptyState();
    this.state.lexical.close();
  }

  /** Loads a version from disk and makes it live; refuses another embedding model. */
  async load(name: string): Promise<void> {
    const { dir, manifest } = this.opts;
    const files = await readVersion(dir, name);
    assertCompatible(files.manifest, manifest, dir);
    if (files.manifest.chunkSize !== manifest.chunkSize || files.manifest.chunkOverlap !== manifest.chunkOverlap) {
      this.log.warn({ version: name, stored: files.manifest, configured: manifest }, 'index was chunked with other settings; new documents use the configured ones');
    }
    const vectors = new VectorRows(manifest.dimensions, files.vectors);
    const storedType = storedIndexType(files.manifest.indexType);
    if (storedType !== this.indexType) {
      // INDEX_TYPE changed: the kept vectors rebuild the index; the next save records the new type.
      this.log.info({ version: name, stored: storedType, configured: this.indexType, chunks: files.chunks.length }, 'rebuilding the index as the configured type');
      this.swapIn(await this.build(files.chunks, vectors, await this.lexicalOf(name, files.lexicalPath, files.chunks)));
      this.current = name;
      return;
    }
    const index = this.faiss.Index.read(files.indexPath);
    if (index.ntotal() !== files.chunks.length || index.getDimension() !== manifest.dimensions) {
      throw new AppError(`index version ${name} is damaged: index.faiss holds ${index.ntotal()} vectors, chunks.jsonl ${files.chunks.length}`, { code: 'index_damaged' });
    }
    const lexical = await this.lexicalOf(name, files.lexicalPath, files.chunks);
    this.swapIn({ index, rows: files.chunks, vectors, docs: countDocs(files.chunks), lexical, rowOf: rowMap(files.chunks) });
    this.current = name;
    this.log.info({ version: name, chunks: files.chunks.length }, 'index version loaded');
  }

  /** Makes a loaded state live and closes the lexical index of the one it replaces. */
  private swapIn(state: State): void {
    const old = this.state.lexical;
    this.state = state;
    if (old !== state.lexical) old.close();
  }

  /**
   * The version's lexical index, opened in place; rebuilt from its chunks when the version has
   * none (written before the lexical index existed) or it does not match them.
   */
  private async lexicalOf(name: string, file: string | null, chunks: ChunkRecord[]): Promise<LexicalIndex> {
    const opened = file === null ? null : LexicalIndex.openFile(file);
    if (opened && opened.size === chunks.length) return opened;
    opened?.close();
    this.log.warn({ version: name, chunks: chunks.length, file }, 'version has no usable lexical index: building it from the chunks');
    const built = LexicalIndex.empty();
    for (let i = 0; i < chunks.length; i += LEXICAL_SLICE_ROWS) {
      built.add(chunks.slice(i, i + LEXICAL_SLICE_ROWS));
      await yieldToEventLoop();
    }
    return built;
  }

  private newIndex(): FaissIndex {
    const dims = this.opts.manifest.dimensions;
    // HNSW keeps no row ids of its own either (removeIds aborts on it): rebuilt like Flat on delete.
    return this.indexType === 'hnsw' ? this.faiss.Index.fromFactory(dims, HNSW_DESCRIPTOR, this.faiss.MetricType.METRIC_INNER_PRODUCT) : new this.faiss.IndexFlatIP(dims);
  }

  private emptyState(): State {
    return { index: this.newIndex(), rows: [], vectors: new VectorRows(this.opts.manifest.dimensions), docs: new Map(), lexical: LexicalIndex.empty(), rowOf: new Map() };
  }

  /** A new state over `rows` and `vectors`, its index built off to the side a slice at a time (header). */
  private async build(rows: ChunkRecord[], vectors: VectorRows, lexical: LexicalIndex): Promise<State> {
    const index = this.newIndex();
    for (const batch of vectors.plainBatches(ADD_SLICE_ROWS)) {
      index.add(batch);
      await yieldToEventLoop();
    }
    return { index, rows, vectors, docs: countDocs(rows), lexical, rowOf: rowMap(rows) };
  }

  /** A rebuilt state without one document (FAISS Flat removal would renumber rows under us). */
  private async without(documentId: string): Promise<State> {
    const { rows, vectors, lexical } = this.state;
    const keep = (i: number) => rows[i]!.documentId !== documentId;
    const state = await this.build(rows.filter((_, i) => keep(i)), vectors.filter(keep), lexical);
    // In the same synchronous step as the caller's swap: the lexical rows go with the vectors.
    lexical.removeDocument(documentId);
    return state;
  }

  private exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('the vector store is closed', { code: 'closed' }));
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('the vector store is closed', { code: 'closed' });
  }
}

function rowMap(rows: ChunkRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  rows.forEach((r, i) => out.set(r.chunkId, i));
  return out;
}

function countDocs(rows: ChunkRecord[]): State['docs'] {
  const docs: State['docs'] = new Map();
  for (const r of rows) {
    const d = docs.get(r.documentId);
    if (d) d.chunks++;
    else docs.set(r.documentId, { name: r.documentName, chunks: 1 });
  }
  return docs;
}

/**
 * Opens (or creates) the store in `opts.dir`, loading the version CURRENT (or `opts.version`) names.
 * @throws AppError `index_model_mismatch` when it was built with another model or dimension.
 */
export async function openFaissStore(opts: FaissStoreOptions): Promise<VectorStore> {
  const faiss = loadFaiss();
  await fs.mkdir(opts.dir, { recursive: true });
  const store = new FaissStore(faiss, opts);
  const current = opts.version ?? (await readCurrent(opts.dir));
  if (current !== null) await store.load(current);
  return store;
}
