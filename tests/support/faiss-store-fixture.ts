/**
 * Shared fixture of the FAISS vector store unit tests: the manifest of a hash-embedded index
 * (tests/support/fake-embedder.ts) and a per-file fixture that hands out temporary directories and
 * open stores, then closes every store and removes every directory when the test file ends.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { IndexManifest, VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore, type FaissStoreOptions } from '../../src/retrieval/faiss-store.ts';

/** What the fake hash embedder produces (384 dimensions) with the default chunker settings. */
export const TEST_MANIFEST: IndexManifest = { embedModelId: 'fake-hash-0000001', embedModelName: 'fake', dimensions: 384, chunkSize: 1000, chunkOverlap: 150 };

export interface FaissStoreFixture {
  /** A fresh directory under the OS temp dir, removed after the file. */
  tempDir: () => Promise<string>;
  /** Opens a store in `dir` (manifest defaults to TEST_MANIFEST), closed after the file. */
  open: (dir: string, options?: Partial<Omit<FaissStoreOptions, 'dir'>>) => Promise<VectorStore>;
}

/**
 * Call once at the top level of a test file: it registers the file's `after` hook that cleans up.
 * `prefix` names the temp directories, so a leftover one shows which test made it.
 */
export function faissStoreFixture(prefix: string): FaissStoreFixture {
  const dirs: string[] = [];
  const stores: VectorStore[] = [];
  after(async () => {
    for (const s of stores) await s.close();
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });
  return {
    tempDir: async () => {
      const d = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    open: async (dir, options = {}) => {
      const s = await openFaissStore({ ...options, dir, manifest: options.manifest ?? TEST_MANIFEST });
      stores.push(s);
      return s;
    },
  };
}
