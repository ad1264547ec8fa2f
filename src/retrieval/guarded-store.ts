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
 *
 * Given `StaleServing` (the roles give it), a store that has a version of its own model loaded
 * when another model's version becomes live keeps serving the loaded one, read-only and filtered
 * to the live version's documents (stale-index.ts), and says so once in the log and in `stale`;
 * one that starts after such a swap serves the version before it when that one was built with its
 * model. Writes are refused meanwhile, as while a re-index is needed. When CURRENT names a version
 * of its own model again (a roll-back), it loads it and is a normal reader again.
 */
import { AppError, UnavailableError } from '../errors.ts';
import { logger, type Logger } from '../log.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { ChunkRecord, DocumentRows, SearchHit, StaleIndex, VectorStore } from '../ports/vector-store.ts';
import { createRetriever, type Retriever } from './retriever.ts';
import { renewStale, staleAfterSwap, staleAtStart, type StaleServing, type StaleView } from './stale-index.ts';

export type { StaleServing } from './stale-index.ts';

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
  /** Set while an older version of this process's model is served (header); null otherwise. */
  readonly stale: StaleIndex | null;
}

const isMismatch = (err: unknown): err is AppError => err instanceof AppError && err.code === 'index_model_mismatch';

class Guarded implements GuardedStore {
  private inner: VectorStore | null = null;
  /** Set while `inner` holds an older version than the live one (another model's). */
  private view: StaleView | null = null;
  private mismatch: AppError | null = null;
  private closed = false;
  private reloads: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly open: () => Promise<VectorStore>,
    private readonly serving?: StaleServing,
  ) {
    this.log = serving?.log ?? logger('index');
  }

  /** Opens the store; a model mismatch leaves the guard waiting for a re-index (or serving an older version) instead of throwing. */
  async tryOpen(): Promise<boolean> {
    try {
      this.inner = await this.open();
      this.mismatch = null;
      return true;
    } catch (err) {
      if (!isMismatch(err)) throw err;
      this.mismatch = err;
      return this.serveOlder();
    }
  }

  get reindexNeeded(): string | null {
    return this.view?.stale.message ?? this.mismatch?.message ?? null;
  }

  get stale(): StaleIndex | null {
    return this.view?.stale ?? null;
  }

  get size(): number {
    return this.view?.size ?? this.inner?.size ?? 0;
  }

  get version(): string | null {
    return this.inner?.version ?? null;
  }

  /** What reads go to: the stale view, the store, or a ReindexNeededError. */
  private reader(): VectorStore | StaleView {
    if (this.view) return this.view;
    if (this.inner) return this.inner;
    if (this.closed) throw new AppError('the vector store is closed', { code: 'closed' });
    throw new ReindexNeededError(this.mismatch?.message ?? 'the index cannot be opened', this.mismatch);
  }

  /** What writes go to; never an older version served after a swap. */
  private writer(): VectorStore {
    if (this.view) throw new ReindexNeededError(this.view.stale.message, this.mismatch);
    return this.reader() as VectorStore;
  }

  hasDocument(documentId: string): boolean {
    return (this.view ?? this.inner)?.hasDocument(documentId) ?? false;
  }

  addDocument(chunks: ChunkRecord[], vectors: ReadonlyArray<ArrayLike<number>>): Promise<void> {
    return this.call(() => this.writer().addDocument(chunks, vectors));
  }

  removeDocument(documentId: string): Promise<boolean> {
    return this.call(() => this.writer().removeDocument(documentId));
  }

  documentRows(documentId: string): DocumentRows | undefined {
    return (this.view ?? this.inner)?.documentRows?.(documentId);
  }

  search(vector: number[], k: number): Promise<SearchHit[]> {
    return this.call(() => this.reader().search(vector, k));
  }

  searchText(text: string, k: number): Promise<SearchHit[]> {
    return this.call(() => {
      const s = this.reader();
      return s.searchText ? s.searchText(text, k) : Promise.resolve([]);
    });
  }

  similarities(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>> {
    return this.call(() => {
      const s = this.reader();
      return s.similarities ? s.similarities(vector, chunkIds) : Promise.resolve(new Map<string, number>());
    });
  }

  save(): Promise<string> {
    return this.call(() => this.writer().save());
  }

  /** One at a time: an `index.updates` message and a document service may ask together. */
  reload(): Promise<boolean> {
    const run = this.reloads.then(() => this.reloadNow());
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<boolean> {
    if (this.closed) return false;
    if (!this.inner) return this.tryOpen();
    if (this.view) return this.reloadStale(this.view);
    try {
      return await this.inner.reload();
    } catch (err) {
      // Another process made a version with another model live: serve on from memory when we
      // may (header), else stop serving the old one.
      if (!isMismatch(err)) throw err;
      this.mismatch = err;
      if (await this.serveLoaded()) return false;
      const old = this.inner;
      this.inner = null;
      await old.close();
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inner?.close();
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve) => resolve(fn()));
  }

  /** Serves `view` from now on, and says so (once per swap). */
  private startStale(view: StaleView): boolean {
    this.inner = view.inner;
    this.view = view;
    const s = view.stale;
    this.log.warn({ dir: this.serving?.dir, served: s.served, live: s.live, liveModel: s.liveModel, searchable: view.size }, s.message);
    return true;
  }

  private async serveLoaded(): Promise<boolean> {
    const view = this.serving && this.inner ? await staleAfterSwap(this.inner, this.serving) : null;
    return view ? this.startStale(view) : false;
  }

  private async serveOlder(): Promise<boolean> {
    const view = this.serving ? await staleAtStart(this.serving) : null;
    return view ? this.startStale(view) : false;
  }

  /** A new live version while stale: renews the filter, or loads it when it is this model's again. */
  private async reloadStale(view: StaleView): Promise<boolean> {
    const outcome = await renewStale(view, this.serving!);
    if (outcome === 'swapped') this.startStale(view);
    if (outcome !== 'own') return false;
    await view.inner.reload();
    this.view = null;
    this.mismatch = null;
    this.log.info({ dir: this.serving!.dir, version: view.inner.version }, "the live index version was built with this process's model again: serving it");
    return true;
  }
}

/**
 * Opens the store through `open`, or waits for a re-index when its index was built by another
 * model; with `serving`, serves an older version of its own model meanwhile (header).
 */
export async function openGuardedStore(open: () => Promise<VectorStore>, serving?: StaleServing): Promise<GuardedStore> {
  const g = new Guarded(open, serving);
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
      const why = store.stale ? null : store.reindexNeeded;
      return why === null ? inner.search(query, k) : Promise.reject(new ReindexNeededError(why));
    },
  };
}
