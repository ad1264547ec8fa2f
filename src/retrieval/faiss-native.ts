/**
 * Loads faiss-node on first use. It is a native addon built against the system libfaiss by
 * scripts/build-faiss.mjs; loading it lazily keeps every other module importable (and testable)
 * where it is not built, and lets the OpenMP/BLAS thread settings be applied before the library
 * reads them at load time.
 */
import { createRequire } from 'node:module';
import type * as Faiss from 'faiss-node';
import { applyNativeThreadingDefaults } from '../config.ts';
import { AppError } from '../errors.ts';

export type FaissModule = typeof Faiss;
/** Flat or HNSW: the store uses only what every index has (add, search, write). */
export type FaissIndex = Faiss.Index;

let loaded: FaissModule | undefined;

/** The faiss-node module; throws an AppError saying how to build it when it cannot be loaded. */
export function loadFaiss(): FaissModule {
  if (loaded) return loaded;
  applyNativeThreadingDefaults();
  const require = createRequire(import.meta.url);
  try {
    loaded = require('faiss-node') as FaissModule;
  } catch (err) {
    throw new AppError(
      'the FAISS library (faiss-node) is not built; run `npm install` (its postinstall step, ' +
        'scripts/build-faiss.mjs, builds it against the system libfaiss: apt-get install libfaiss-dev)',
      { code: 'faiss_missing', cause: err },
    );
  }
  return loaded;
}
