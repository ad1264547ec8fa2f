/**
 * A reader that goes on serving the index version it loaded after a version built by another
 * embedding model became live: the swap of a re-index run with a new EMBED_MODEL, on a cluster
 * whose web and answer workers still run the old model until they are restarted (docs/operations.md,
 * "Rotating to a new embedding model"). Without it those readers would stop answering for the
 * time of a rollout.
 *
 * Rules:
 * - the loaded version is served from memory: its directory may be pruned by the next save (the
 *   FAISS index and vectors are in memory; its lexical index file stays readable while open);
 * - a hit is kept only when the live version's manifest.json still lists its document, so a
 *   document deleted after the swap is never found. A document added after the swap is not found
 *   here either: its vectors exist only in the new model's space. That is the cost of serving on;
 * - nothing is written through it (the guarded store refuses writes: uploads and deletes are for
 *   processes on the live version's model);
 * - every new live version (an `index.updates` message) renews the filter from its manifest alone,
 *   without reading its vectors.
 *
 * A process that starts with the old model after the swap has nothing loaded; it serves the newest
 * older version on disk built with its own model, if one is still there (a save keeps the live
 * version and the one before it), under the same rules (`olderOwnVersion`).
 */
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { listVersions, readCurrent, readManifest } from './faiss-files.ts';
import { describeModel, sameModel, type StoredManifest } from './index-manifest.ts';
import type { DocumentRows, IndexManifest, SearchHit, StaleIndex, VectorStore } from '../ports/vector-store.ts';

/** What a store needs to serve an older version of its own model after a swap. */
export interface StaleServing {
  /** The index directory (CURRENT and the versions). */
  dir: string;
  /** What this process's embedder and chunker produce. */
  manifest: IndexManifest;
  /** Opens the store at the named version instead of the one CURRENT names. */
  openVersion: (version: string) => Promise<VectorStore>;
  /** Where the store says it serves an older version (a warning once per swap); default: the `index` component's logger. */
  log?: Logger;
}

/** The live version's name and manifest (no vectors read). */
export interface LiveVersion {
  name: string;
  manifest: StoredManifest;
}

/** What CURRENT names and its manifest; null when nothing was saved yet. */
export async function readLive(dir: string): Promise<LiveVersion | null> {
  const name = await readCurrent(dir);
  return name === null ? null : { name, manifest: await readManifest(dir, name) };
}

/**
 * The newest version older than `live` built with the model `own` describes, with its manifest;
 * null when there is none (pruned, or never built with it). A half-written version (no manifest)
 * is passed over.
 */
export async function olderOwnVersion(dir: string, live: string, own: IndexManifest): Promise<LiveVersion | null> {
  const all = await listVersions(dir);
  for (const name of all.slice(0, Math.max(0, all.indexOf(live))).reverse()) {
    const manifest = await readManifest(dir, name).catch(() => null);
    if (manifest && sameModel(manifest, own)) return { name, manifest };
  }
  return null;
}

/**
 * After `inner` refused the live version (another model's): the view that serves the version it
 * has loaded; null when it has none, or the live version turns out to be this model's after all.
 */
export async function staleAfterSwap(inner: VectorStore, s: StaleServing): Promise<StaleView | null> {
  const served = inner.version;
  const live = await readLive(s.dir);
  if (served === null || !live || sameModel(live.manifest, s.manifest)) return null;
  // Read while it is still on disk (the next save prunes it); without it the filter only searches deeper.
  const manifest = await readManifest(s.dir, served).catch(() => null);
  return new StaleView(inner, manifest, s.manifest, live);
}

/**
 * At start, when the live version is another model's: the view over the newest older version of
 * this model, opened; null when there is none or it cannot be opened (damaged).
 */
export async function staleAtStart(s: StaleServing): Promise<StaleView | null> {
  const live = await readLive(s.dir);
  if (!live || sameModel(live.manifest, s.manifest)) return null;
  const older = await olderOwnVersion(s.dir, live.name, s.manifest);
  if (!older) return null;
  try {
    return new StaleView(await s.openVersion(older.name), older.manifest, s.manifest, live);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'index_damaged' || err.code === 'index_model_mismatch')) return null;
    throw err;
  }
}

/**
 * A new live version while stale: `own` when it is this model's again (the caller loads it and
 * drops the view), `swapped` when yet another model built it, else `renewed` (the filter follows
 * its documents); `unchanged` when nothing is saved.
 */
export async function renewStale(view: StaleView, s: StaleServing): Promise<'own' | 'swapped' | 'renewed' | 'unchanged'> {
  const live = await readLive(s.dir);
  if (!live) return 'unchanged';
  if (sameModel(live.manifest, s.manifest)) return 'own';
  const before = view.liveModelId;
  view.update(live);
  return live.manifest.embedModelId === before ? 'renewed' : 'swapped';
}

/**
 * Hits of `run(depth)` kept by `keep`, the best k: asks `hidden` deeper than k (the rows known to
 * be filtered out), and deeper again while fewer than k are kept and the store had more to give.
 */
async function keptHits(run: (depth: number) => Promise<SearchHit[]>, k: number, hidden: number, keep: (h: SearchHit) => boolean): Promise<SearchHit[]> {
  const n = Math.floor(k);
  if (n < 1) return [];
  for (let depth = n + hidden; ; depth *= 2) {
    const hits = await run(depth);
    const kept = hits.filter(keep);
    if (kept.length >= n || hits.length < depth) return kept.slice(0, n);
  }
}

/** The read side of a store serving an older version, filtered to the live version's documents. */
export class StaleView {
  private allowed = new Set<string>();
  /** The embedding model id of the live version the filter follows. */
  liveModelId = '';
  /** Rows of the served version whose documents the live version no longer lists. */
  private hidden = 0;
  private info!: StaleIndex;
  private readonly since = Date.now();

  /**
   * @param inner the store holding the served version.
   * @param served its manifest, when it could still be read (it gives the exact count of filtered rows).
   * @param own what this process's embedder produces.
   */
  constructor(
    readonly inner: VectorStore,
    private readonly served: StoredManifest | null,
    private readonly own: IndexManifest,
    live: LiveVersion,
  ) {
    this.update(live);
  }

  get stale(): StaleIndex {
    return this.info;
  }

  /** A new live version (still another model's): its documents become the filter. */
  update(live: LiveVersion): void {
    const m = live.manifest;
    this.liveModelId = m.embedModelId;
    this.allowed = new Set(m.documents.map((d) => d.documentId));
    this.hidden = (this.served?.documents ?? []).reduce((n, d) => n + (this.allowed.has(d.documentId) ? 0 : d.chunks), 0);
    const served = this.inner.version ?? 'none';
    this.info = {
      served,
      live: live.name,
      liveModel: describeModel(m),
      since: this.since,
      message:
        `index ${live.name} was built with the embedding model ${describeModel(m)}; this process has ${describeModel(this.own)}: ` +
        `serving the loaded version ${served} until it is restarted with EMBED_MODEL set to ${m.embedModelName}; ` +
        'documents uploaded since are not searchable here, deleted ones are left out',
    };
  }

  get size(): number {
    return Math.max(0, this.inner.size - this.hidden);
  }

  private readonly keep = (h: SearchHit): boolean => this.allowed.has(h.documentId);

  hasDocument(documentId: string): boolean {
    return this.allowed.has(documentId) && this.inner.hasDocument(documentId);
  }

  documentRows(documentId: string): DocumentRows | undefined {
    return this.allowed.has(documentId) ? this.inner.documentRows?.(documentId) : undefined;
  }

  search(vector: number[], k: number): Promise<SearchHit[]> {
    return keptHits((depth) => this.inner.search(vector, depth), k, this.hidden, this.keep);
  }

  searchText(text: string, k: number): Promise<SearchHit[]> {
    const inner = this.inner;
    return inner.searchText ? keptHits((depth) => inner.searchText!(text, depth), k, this.hidden, this.keep) : Promise.resolve([]);
  }

  /** Passed through: callers ask only for chunks of hits, which are filtered already. */
  similarities(vector: number[], chunkIds: readonly string[]): Promise<Map<string, number>> {
    return this.inner.similarities ? this.inner.similarities(vector, chunkIds) : Promise.resolve(new Map<string, number>());
  }
}
