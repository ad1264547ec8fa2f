/**
 * Collections' indexes: one vector store per collection, each with its own versions, CURRENT
 * pointer and manifest (faiss-files.ts), so a collection is written, saved and reloaded on its own
 * and a search restricted to some collections cannot see another's passages at all (no filter to
 * get wrong, and nothing half-written of one collection shows in another).
 *
 * Layout: General's index stays where the one index lived before collections, VECTORSTORE_DIR
 * itself, so an existing install upgrades with no file moved; every other collection lives under
 * VECTORSTORE_DIR/collections/<id>/. A collection whose directory does not exist yet (nothing was
 * ever indexed into it) holds nothing and is not created by a search. A deleted collection's
 * directory is removed (`remove`, by the ingest worker after its documents left the index), and
 * every process forgets its store when a reload finds the directory gone.
 *
 * A forgotten store is closed a grace period later, not at once: a search that picked it up
 * (storesOf) may still be embedding its question before it searches, and a closed store throws.
 *
 * Stores open lazily on first use (any process may learn of a collection only from an
 * `index.updates` message or a search naming it) and are reloaded together. Top-k is exact within
 * the chosen collections: each chosen collection's own top k, merged by score, best k kept; so a
 * restriction never returns fewer than k passages when the chosen collections hold k.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { collectionIdSchema, GENERAL_COLLECTION_ID } from '../contracts/collection.ts';
import { InvalidInputError } from '../errors.ts';
import type { SearchHit, VectorStore } from '../ports/vector-store.ts';

/** The directory under VECTORSTORE_DIR that holds every collection's index but General's. */
export const COLLECTIONS_SUBDIR = 'collections';

/** How long a forgotten store stays open for searches that already hold it. */
const RETIRE_GRACE_MS = 60_000;

export interface CollectionStoresOptions {
  /** VECTORSTORE_DIR: General's index, and the parent of collections/<id>/. */
  root: string;
  /** Opens (or creates) the store in a directory; the roles pass a guarded FAISS store (guarded-store.ts). */
  open: (dir: string) => Promise<VectorStore>;
}

export class CollectionStores {
  private readonly opening = new Map<string, Promise<VectorStore>>();
  private readonly opened = new Map<string, VectorStore>();
  /** Forgotten stores waiting for their grace period to end, each with its timer. */
  private readonly retired = new Map<VectorStore, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly opts: CollectionStoresOptions) {}

  /** Where a collection's index lives. Throws on an id that is not slug-safe (it becomes a path). */
  dirOf(collectionId: string): string {
    const id = collectionIdSchema.parse(collectionId);
    return id === GENERAL_COLLECTION_ID ? this.opts.root : path.join(this.opts.root, COLLECTIONS_SUBDIR, id);
  }

  /** The collection's store, opened (and its directory created) on first use. */
  forCollection(collectionId: string): Promise<VectorStore> {
    const dir = this.dirOf(collectionId);
    let p = this.opening.get(collectionId);
    if (!p) {
      p = this.opts.open(dir).then((s) => {
        if (this.closed) return s.close().then(() => s);
        this.opened.set(collectionId, s);
        return s;
      });
      // A failed open (disk) is tried again next time rather than remembered.
      p.catch(() => this.opening.delete(collectionId));
      this.opening.set(collectionId, p);
    }
    return p;
  }

  /** General and every collection with an index directory, in no particular order. */
  async onDisk(): Promise<string[]> {
    const ids = new Set([GENERAL_COLLECTION_ID, ...this.opened.keys()]);
    let entries: string[] = [];
    try {
      entries = await fs.readdir(path.join(this.opts.root, COLLECTIONS_SUBDIR));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const e of entries) if (collectionIdSchema.safeParse(e).success) ids.add(e);
    return [...ids];
  }

  /** The stores of `collections` (every collection when empty or absent) that hold an index. */
  async storesOf(collections?: readonly string[]): Promise<Array<{ id: string; store: VectorStore }>> {
    const ids = collections && collections.length > 0 ? [...new Set(collections)] : await this.onDisk();
    const out: Array<{ id: string; store: VectorStore }> = [];
    for (const id of ids) {
      if (!this.opened.has(id) && !this.opening.has(id) && !(await exists(this.dirOf(id)))) continue;
      out.push({ id, store: await this.forCollection(id) });
    }
    return out;
  }

  /** The top k passages of the chosen collections (all when none are chosen), best first, each naming its collection. */
  async search(vector: number[], k: number, collections?: readonly string[]): Promise<SearchHit[]> {
    return searchEach(await this.storesOf(collections), vector, k);
  }

  /** Why an opened collection's index cannot be used until it is re-indexed; null when all can. */
  get reindexNeeded(): string | null {
    for (const s of this.opened.values()) if (s.reindexNeeded) return s.reindexNeeded;
    return null;
  }

  /** Whether some opened collection is served from an older version after a swap (stale-index.ts). */
  get servingStale(): boolean {
    return [...this.opened.values()].some((s) => s.stale);
  }

  /**
   * For readiness and logs. `blocked`: why searches fail (a collection's index is another model's
   * and nothing is served in its place), null when they are served. While some collection is
   * served stale, the process is behind a swap: a collection it cannot read holds only what came
   * after the swap (searches leave it out, collection-retriever.ts), so it blocks nothing and
   * `stale` names it with the stale ones.
   */
  health(): { blocked: string | null; stale: string | null } {
    const stale: string[] = [];
    const unreadable: string[] = [];
    for (const [id, s] of this.opened) {
      if (s.stale) stale.push(`${id}: ${s.stale.message}`);
      else if (s.reindexNeeded) unreadable.push(id);
    }
    if (stale.length === 0) return { blocked: this.reindexNeeded, stale: null };
    const extra = unreadable.length > 0 ? [`no version of this model to serve (searches leave them out): ${unreadable.join(', ')}`] : [];
    return { blocked: null, stale: [...stale, ...extra].join('; ') };
  }

  /** Chunks in the opened collections' indexes. */
  get size(): number {
    let n = 0;
    for (const s of this.opened.values()) n += s.size;
    return n;
  }

  /**
   * Each opened collection's vectors and when its live version was saved (the version directory's
   * name `v-<epoch ms>-<n>`, retrieval/faiss-files.ts), for the metrics.
   */
  stats(): Array<{ collection: string; vectors: number; versionSavedAt: number | null; staleSince: number | null }> {
    return [...this.opened].map(([collection, s]) => {
      const ms = /^v-(\d+)-/.exec(s.version ?? '')?.[1];
      return { collection, vectors: s.size, versionSavedAt: ms === undefined ? null : Number(ms), staleSince: s.stale?.since ?? null };
    });
  }

  /** Opens every collection that has an index (start-up: readiness and logs see them all). */
  async openAll(): Promise<void> {
    await this.storesOf();
  }

  /**
   * Reloads every opened collection whose live version changed; true when one did. A collection
   * whose directory is gone (deleted, `remove`) is forgotten instead; that counts as a change.
   */
  async reload(): Promise<boolean> {
    const changed = await Promise.all(
      [...this.opened].map(async ([id, s]) => {
        if (id !== GENERAL_COLLECTION_ID && !(await exists(this.dirOf(id)))) return this.forget(id);
        return s.reload();
      }),
    );
    return changed.some(Boolean);
  }

  /**
   * Removes a deleted collection's index directory, VECTORSTORE_DIR/collections/<id>/, and forgets
   * its store; true when the directory was there. Safe to repeat. Refuses General (its index is
   * VECTORSTORE_DIR itself) and anything that would not be a direct child of collections/.
   */
  async remove(collectionId: string): Promise<boolean> {
    const id = collectionIdSchema.parse(collectionId);
    if (id === GENERAL_COLLECTION_ID) throw new InvalidInputError('General\'s index cannot be removed: it is the index directory itself.', { code: 'collection_general' });
    const parent = path.resolve(this.opts.root, COLLECTIONS_SUBDIR);
    const dir = path.resolve(this.dirOf(id));
    if (path.dirname(dir) !== parent || path.basename(dir) !== id) throw new InvalidInputError(`Not a collection's index directory: ${dir}`);
    await this.forget(id);
    const existed = await exists(dir);
    // A symbolic link in its place is removed itself, never what it points to.
    await fs.rm(dir, { recursive: true, force: true });
    return existed;
  }

  /** Drops a collection's store from this process (closed after the grace period); true when it was open. */
  private async forget(collectionId: string): Promise<boolean> {
    const p = this.opening.get(collectionId);
    if (!p) return false;
    this.opening.delete(collectionId);
    this.opened.delete(collectionId);
    const store = await p.catch(() => undefined);
    if (!store) return false;
    const timer = setTimeout(() => {
      this.retired.delete(store);
      store.close().catch(() => undefined);
    }, RETIRE_GRACE_MS);
    timer.unref();
    this.retired.set(store, timer);
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = await Promise.allSettled([...this.opening.values()]);
    for (const r of all) if (r.status === 'fulfilled') await r.value.close();
    for (const [store, timer] of this.retired) {
      clearTimeout(timer);
      await store.close();
    }
    this.retired.clear();
  }
}

/** Each store's own top k, merged by score, best k kept: exact top k over the stores together. */
export async function searchEach(stores: ReadonlyArray<{ id: string; store: VectorStore }>, vector: number[], k: number): Promise<SearchHit[]> {
  const found = await Promise.all(stores.map(async ({ id, store }) => (await store.search(vector, k)).map((h) => ({ ...h, collectionId: id }))));
  return found.flat().sort((a, b) => b.score - a.score).slice(0, Math.max(0, Math.floor(k)));
}

async function exists(dir: string): Promise<boolean> {
  try {
    await fs.access(dir);
    return true;
  } catch {
    return false;
  }
}
