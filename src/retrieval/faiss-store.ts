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
 * Persistence (atomic versions + CURRENT pointer) is in faiss-files.ts; the model check in
 * index-manifest.ts; the state and how it is built in faiss-state.ts; the searches in faiss-search.ts.
 */
import fs from 'node:fs/promises';
import { AppError } from '../errors.ts';
import { logger } from '../log.ts';
import { yieldToEventLoop } from '../shared/yield.ts';
import type { ChunkRecord, DocumentRows, IndexManifest, SearchHit, VectorStore } from '../ports/vector-store.ts';
import { pointCurrent, pruneVersions, readCurrent, readVersion, writeVersion, type SaveStepHook } from './faiss-files.ts';
import { documentRows, searchText, searchVectors, similarities } from './faiss-search.ts';
import { ADD_SLICE_ROWS, countDocs, FaissStates, LEXICAL_SLICE_ROWS, lexicalOf, rowMap, type State } from './faiss-state.ts';
import { loadFaiss, type FaissModule } from './faiss-native.ts';
import { storedIndexType, type IndexType } from './index-kind.ts';
import { assertCompatible, MANIFEST_FORMAT } from './index-manifest.ts';
import { assertUsable, VectorRows } from './vector-rows.ts';

export { ADD_SLICE_ROWS } from './faiss-state.ts';

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

/** Vectors validated and normalised between two yields (~4 us each). */
const NORMALISE_SLICE_ROWS = 4096;

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
  /** Makes the empty, built and rebuilt states (./faiss-state.ts). */
  private readonly states: FaissStates;

  constructor(
    private readonly faiss: FaissModule,
    private readonly opts: FaissStoreOptions,
  ) {
    this.indexType = opts.indexType ?? 'flat';
    this.query = new Array<number>(opts.manifest.dimensions).fill(0);
    this.states = new FaissStates(faiss, opts.manifest.dimensions, this.indexType);
    this.state = this.states.emptyState();
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
      if (this.state.docs.has(documentId)) this.state = await this.states.without(this.state, documentId);
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
        this.state = await this.states.build(state.rows, state.vectors, state.lexical);
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
    return documentRows(this.state, documentId);
  }

  removeDocument(documentId: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (!this.state.docs.has(documentId)) return false;
      this.state = await this.states.without(this.state, documentId);
      return true;
    });
  }

  search(vector: number[], k: number): Promise<SearchHit[]> {
    // A throw inside the executor becomes a rejection, as callers of a Promise API expect.
    return new Promise((resolve) => {
      this.assertOpen();
      resolve(searchVectors(this.state, this.query, this.indexType, vector, k));
    });
  }

  searchText(text: string, k: number): Promise<SearchHit[]> {
    return new Promise((resolve) => {
      this.assertOpen();
      resolve(searchText(this.state, this.pendingLexical, text, k));
    });
  }

  similarities(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>> {
    return new Promise((resolve) => {
      this.assertOpen();
      resolve(similarities(this.state, this.query, vector, chunkIds));
    });
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
    this.state = this.states.emptyState();
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
      this.swapIn(await this.states.build(files.chunks, vectors, await lexicalOf(this.log, name, files.lexicalPath, files.chunks)));
      this.current = name;
      return;
    }
    const index = this.faiss.Index.read(files.indexPath);
    if (index.ntotal() !== files.chunks.length || index.getDimension() !== manifest.dimensions) {
      throw new AppError(`index version ${name} is damaged: index.faiss holds ${index.ntotal()} vectors, chunks.jsonl ${files.chunks.length}`, { code: 'index_damaged' });
    }
    const lexical = await lexicalOf(this.log, name, files.lexicalPath, files.chunks);
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
