/**
 * The vector store every role uses, guarded against an index built by another embedding model.
 *
 * Opening the FAISS store throws `index_model_mismatch` when the live version was built with
 * another model. A process must still come up then: the ingest worker has to take the `reindex`
 * job that fixes it, and the web and answer workers should say what is wrong rather than crash.
 * So the guard opens the store lazily: while the index needs a re-index it holds no store, every
 * search and write fails with ReindexNeededError (a 503 with the re-index command on the web, an
 * error reply for a question), and `reindexNeeded` says why (readiness, logs). Each reload (an
 * `index.updates` message, or the re-index job itself) tries again; once the live version was
 * built with the configured model, the real store takes over.
 */
import { AppError, UnavailableError } from '../errors.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { ChunkRecord, DocumentRows, SearchHit, VectorStore } from '../ports/vector-store.ts';
import { createRetriever, type Retriever } from './retriever.ts';

/** The index was built by another embedding model: nothing can be searched until it is re-indexed. */
export class ReindexNeededError extends UnavailableError {
  override name = 'ReindexNeededError';
  // Asking again gives the same answer until someone re-indexes: never retried by a queue.
  override readonly retryable = false;
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'index_model_mismatch', cause, retryAfterSeconds: 60 });
  }
}

export interface GuardedStore extends VectorStore {
  /** Why the index cannot be used until it is re-indexed; null when it can. */
  readonly reindexNeeded: string | null;
}

const isMismatch = (err: unknown): err is AppError => err instanceof AppError && err.code === 'index_model_mismatch';

class Guarded implements GuardedStore {
  private inner: VectorStore | null = null;
  private mismatch: AppError | null = null;
  private closed = false;

  constructor(private readonly open: () => Promise<VectorStore>) {}

  /** Opens the store; a model mismatch leaves the guard waiting for a re-index instead of throwing. */
  async tryOpen(): Promise<boolean> {
    try {
      this.inner = await this.open();
      this.mismatch = null;
      return true;
    } catch (err) {
      if (!isMismatch(err)) throw err;
      this.mismatch = err;
      return false;
    }
  }

  get reindexNeeded(): string | null {
    return this.mismatch?.message ?? null;
  }

  get size(): number {
    return this.inner?.size ?? 0;
  }

  get version(): string | null {
    return this.inner?.version ?? null;
  }

  private store(): VectorStore {
    if (this.inner) return this.inner;
    if (this.closed) throw new AppError('the vector store is closed', { code: 'closed' });
    throw new ReindexNeededError(this.mismatch?.message ?? 'the index cannot be opened', this.mismatch);
  }

  hasDocument(documentId: string): boolean {
    return this.inner?.hasDocument(documentId) ?? false;
  }

  addDocument(chunks: ChunkRecord[], vectors: ReadonlyArray<ArrayLike<number>>): Promise<void> {
    return this.call((s) => s.addDocument(chunks, vectors));
  }

  removeDocument(documentId: string): Promise<boolean> {
    return this.call((s) => s.removeDocument(documentId));
  }

  documentRows(documentId: string): DocumentRows | undefined {
    return this.inner?.documentRows?.(documentId);
  }

  search(vector: number[], k: number): Promise<SearchHit[]> {
    return this.call((s) => s.search(vector, k));
  }

  searchText(text: string, k: number): Promise<SearchHit[]> {
    return this.call((s) => (s.searchText ? s.searchText(text, k) : Promise.resolve([])));
  }

  similarities(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>> {
    return this.call((s) => (s.similarities ? s.similarities(vector, chunkIds) : Promise.resolve(new Map<string, number>())));
  }

  save(): Promise<string> {
    return this.call((s) => s.save());
  }

  async reload(): Promise<boolean> {
    if (this.closed) return false;
    if (!this.inner) return this.tryOpen();
    try {
      return await this.inner.reload();
    } catch (err) {
      // Another process made a version with another model live: stop serving the old one.
      if (!isMismatch(err)) throw err;
      const old = this.inner;
      this.inner = null;
      this.mismatch = err;
      await old.close();
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inner?.close();
  }

  private call<T>(fn: (s: VectorStore) => Promise<T>): Promise<T> {
    return new Promise<VectorStore>((resolve) => resolve(this.store())).then(fn);
  }
}

/** Opens the store through `open`, or waits for a re-index when its index was built by another model. */
export async function openGuardedStore(open: () => Promise<VectorStore>): Promise<GuardedStore> {
  const g = new Guarded(open);
  await g.tryOpen();
  return g;
}

/**
 * The retriever over a guarded store: while a re-index is needed a search fails with the reason
 * (the plain retriever would answer "nothing found" for an index it cannot open).
 */
export function createGuardedRetriever(embedder: Embedder, store: GuardedStore): Retriever {
  const inner = createRetriever(embedder, store);
  return {
    search(query, k) {
      const why = store.reindexNeeded;
      return why === null ? inner.search(query, k) : Promise.reject(new ReindexNeededError(why));
    },
  };
}
