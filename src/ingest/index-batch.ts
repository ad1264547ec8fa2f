/**
 * Coalesced index versions: the ingest worker holds several jobs at once (the ingest queue's
 * prefetch, twice INGEST_BATCH_MAX), runs their work one at a time in delivery order, and saves the
 * documents it indexed in memory meanwhile as ONE new version per touched collection store, instead
 * of one per document. Saving writes the whole index (faiss-files.ts), so a version per document made bulk
 * ingestion slow down as the library grew: 7-8 documents/s for the first thousand small files,
 * about 3/s past three thousand.
 *
 * When a batch is written: as soon as no other job is waiting (the prefetch holds none, so a lone
 * upload is saved at once, as before), when it holds `maxDocuments` documents, or `windowMs` after
 * its first document was indexed (a long document being parsed does not hold back the ones before
 * it). A save costs more as the index grows (it writes the whole index: 0.3 s at 8,000 chunks on
 * a loaded 2-core host, 0.9-1.9 s at 16,000), so the window is also at least WINDOW_PER_SAVE times
 * the last batch's write: with a fixed 1 s window, 2,000 small files spent 15 % of their time
 * saving and the share grew along the run. One batch is written at a time: jobs go on with their
 * turns meanwhile and their documents make the next batch; a document may so wait its window plus
 * the save under way.
 *
 * What a document's job sees is unchanged: its `onSaved` runs (announce, `ready`) only after the
 * version holding it is durably written and announced, and the job's message is acknowledged only
 * after that; a failed save hands the error to `onFailed` of each document of that store (retried
 * or failed by the delivery policy, as before), and the other stores of the batch are unaffected.
 * A document that fails before reaching the store never enters a batch. `flush()` (a delete, copy
 * or re-index job calls it first) returns once every waiting document's outcome is reported, so
 * that job reports after the `ready` of the documents queued before it.
 */
import type { Logger } from '../log.ts';
import type { VectorStore } from '../ports/vector-store.ts';

/**
 * A batch's window is at least this many times the last batch's write, so that during a burst
 * writing versions takes at most about a tenth of the time however large the index grows.
 */
export const WINDOW_PER_SAVE = 9;

export interface IndexBatchOptions {
  /** Documents saved together at most (config INGEST_BATCH_MAX); 1 saves each document alone. */
  maxDocuments: number;
  /** Longest an indexed document waits for others to join its version (config INGEST_BATCH_WINDOW_MS), unless saves are slow (WINDOW_PER_SAVE). */
  windowMs: number;
  /** Writes the store's new version and announces it on `index.updates`. */
  publish: (store: VectorStore, collectionId: string) => Promise<void>;
  logger: Logger;
}

/** A document indexed in memory, waiting for the version that will hold it. */
export interface BatchEntry {
  store: VectorStore;
  collectionId: string;
  /** After the version holding the document is written and announced: reports it `ready`. */
  onSaved: () => Promise<void>;
  /** The save (or `onSaved`) failed; throws to have the job retried. */
  onFailed: (err: unknown) => Promise<void>;
}

interface Waiting extends BatchEntry {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class IndexBatch {
  /** Jobs taken and not yet through their turn: waiting for it or running. */
  private active = 0;
  private turn: Promise<void> = Promise.resolve();
  private pending: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private windowOver = false;
  private writingNow = false;
  /** How long the last batch took to write: the next window is at least WINDOW_PER_SAVE times that. */
  private lastWriteMs = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: IndexBatchOptions) {}

  /** Runs `work` after the work of every job taken before it, one at a time, in delivery order. */
  async turnOf<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    const before = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    try {
      await before;
      return await work();
    } finally {
      this.active--;
      done();
      this.consider();
    }
  }

  /**
   * Adds a document that is in its store's memory (call it inside the job's turn); the promise
   * settles once its `onSaved` or `onFailed` has run, rejecting when the job is to be retried.
   */
  add(entry: BatchEntry): Promise<void> {
    const settled = new Promise<void>((resolve, reject) => {
      this.pending.push({ ...entry, resolve, reject });
    });
    // Awaited by the job once its turn is over; this keeps an early rejection from being "unhandled".
    settled.catch(() => undefined);
    this.startWindow();
    return settled;
  }

  /** Writes every waiting document's version (after the write under way); resolves when all are reported. */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.writingNow) {
      if (!this.writingNow) this.startWrite();
      await this.writing;
    }
  }

  /** Write now when nobody else is waiting, the batch is full or its window is over; one write at a time. */
  private consider(): void {
    if (this.pending.length === 0 || this.writingNow) return;
    if (this.active === 0 || this.pending.length >= this.opts.maxDocuments || this.windowOver) this.startWrite();
  }

  private startWindow(): void {
    if (this.timer || this.pending.length === 0 || this.opts.maxDocuments === 1) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.windowOver = true;
        this.consider();
      },
      Math.max(this.opts.windowMs, WINDOW_PER_SAVE * this.lastWriteMs),
    );
  }

  private startWrite(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.windowOver = false;
    const batch = this.pending.splice(0, this.opts.maxDocuments);
    this.writingNow = true;
    const started = performance.now();
    this.writing = this.write(batch).finally(() => {
      this.writingNow = false;
      this.lastWriteMs = performance.now() - started;
      // Documents indexed during the write: the window runs on for them, or they go now.
      this.startWindow();
      this.consider();
    });
  }

  /** One save per touched store, then each document's outcome, in the order the documents came. Never throws. */
  private async write(batch: Waiting[]): Promise<void> {
    const stores = new Map<VectorStore, { collectionId: string; error: { err: unknown } | null }>();
    for (const e of batch) if (!stores.has(e.store)) stores.set(e.store, { collectionId: e.collectionId, error: null });
    for (const [store, s] of stores) {
      try {
        await this.opts.publish(store, s.collectionId);
      } catch (err) {
        s.error = { err };
      }
    }
    if (batch.length > 1) this.opts.logger.info({ documents: batch.length, stores: stores.size }, 'documents saved as one index version');
    for (const e of batch) {
      const error = stores.get(e.store)?.error;
      try {
        if (error) await e.onFailed(error.err);
        else {
          try {
            await e.onSaved();
          } catch (err) {
            await e.onFailed(err);
          }
        }
        e.resolve();
      } catch (err) {
        e.reject(err);
      }
    }
  }
}
