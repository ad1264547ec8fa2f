/**
 * Search overhead: the FAISS store's search (row -> chunk mapping, result records) against a raw
 * faiss-node IndexFlatIP search over the same vectors, in the same run. Reports p50/p95 and the
 * ratio store/raw. BENCH_CHUNKS sets the collection size (default 20000, 384 dims).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFaiss } from '../src/retrieval/faiss-native.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import type { ChunkRecord } from '../src/ports/vector-store.ts';
import { percentile, round, timeRuns } from './stats.ts';

const DIMS = 384;

function randomUnit(rand: () => number): number[] {
  const v = Array.from({ length: DIMS }, () => rand() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

export async function benchSearch(): Promise<Record<string, unknown>> {
  const total = Number(process.env.BENCH_CHUNKS ?? 20_000);
  const rand = lcg(42);
  const vectors = Array.from({ length: total }, () => randomUnit(rand));
  const queries = Array.from({ length: 200 }, () => randomUnit(rand));
  const k = 5;

  const faiss = loadFaiss();
  const raw = new faiss.IndexFlatIP(DIMS);
  raw.add(vectors.flat());

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-search-'));
  try {
    const store = await openFaissStore({
      dir,
      manifest: { embedModelId: 'bench', embedModelName: 'random', dimensions: DIMS, chunkSize: 1000, chunkOverlap: 150 },
    });
    const perDoc = 1000;
    for (let d = 0; d * perDoc < total; d++) {
      const slice = vectors.slice(d * perDoc, (d + 1) * perDoc);
      const chunks: ChunkRecord[] = slice.map((_, i) => ({
        chunkId: `doc${d}:${i}`,
        documentId: `doc${d}`,
        documentName: `doc${d}.txt`,
        page: null,
        text: `chunk ${i} of document ${d}`,
        start: 0,
        end: 10,
      }));
      await store.addDocument(chunks, slice);
    }
    const rawMs = await timeRuns(queries.length, 20, (i) => raw.search(queries[i % queries.length]!, k));
    const storeMs = await timeRuns(queries.length, 20, (i) => store.search(queries[i % queries.length]!, k));
    await store.close();
    const p = (xs: number[]) => ({ p50: round(percentile(xs, 0.5)), p95: round(percentile(xs, 0.95)) });
    return {
      chunks: total,
      dimensions: DIMS,
      k,
      queries: queries.length,
      rawFaissMs: p(rawMs),
      storeMs: p(storeMs),
      ratioP50: round(percentile(storeMs, 0.5) / percentile(rawMs, 0.5)),
      ratioP95: round(percentile(storeMs, 0.95) / percentile(rawMs, 0.95)),
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
