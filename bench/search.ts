/**
 * `npm run bench:search`: search latency through the real web app against raw faiss-node, and the
 * approximate (HNSW) index against exact search, in the same run.
 *
 * - Collection: BENCH_CHUNKS (default 100 000) vectors of 384 dimensions, drawn around 2 000 topic
 *   centres (real embeddings cluster by topic; uniform random vectors would be the worst case for
 *   HNSW and unlike any real collection), in a FaissStore of 1 000-chunk documents.
 * - Web: GET /api/search?q=..&k=10 on createWebApp with the real retriever (the small ONNX test
 *   embedder, tests/support/test-models.ts) over that store, over HTTP with keep-alive.
 * - Baseline: one embedding of the same question plus a raw faiss-node IndexFlatIP search.
 *   The two alternate query by query so that load from other processes hits both alike.
 * - Approximate: the same vectors in a store with INDEX_TYPE=hnsw; recall@10 against exact search
 *   over 500 held-out vectors, and the speed-up of the store's vector search.
 * - Search modes (SEARCH_MODE): the same web search in dense, hybrid and lexical mode, query by
 *   query in rotating order; the goal is hybrid p95 at most 1.3x dense p95. For BM25 to do real
 *   work, chunk texts are 150 words drawn from a Zipf(1) distribution over 50 000 made-up words,
 *   the questions' own words placed at ranks 50-5 000 (mid-frequency, as such words are in a real
 *   collection), so a question's terms match thousands of chunks.
 * BENCH_HNSW=0 leaves out the approximate index (its build takes about ten minutes at 100 000).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import type { ChunkRecord, VectorStore } from '../src/ports/vector-store.ts';
import { loadFaiss } from '../src/retrieval/faiss-native.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import type { IndexType } from '../src/retrieval/index-kind.ts';
import { createRetriever, type Retriever } from '../src/retrieval/retriever.ts';
import { SEARCH_MODES, type SearchMode } from '../src/retrieval/search-modes.ts';
import { FakeServices, startTestServer } from '../tests/support/fake-services.ts';
import { testModels } from '../tests/support/test-models.ts';
import { percentile, round } from './stats.ts';

const DIMS = 384;
const K = 10;
const PER_DOC = 1000;
export const QUESTIONS = [
  'When was the university founded?', 'Who designed the cathedral?', 'What is the capital of the province?',
  'How many people live in the city?', 'Which river flows through the valley?', 'What did the treaty decide?',
  'Who won the championship in 1998?', 'What causes the tides?', 'How does photosynthesis work?',
  'Which language do they speak in the north?', 'What is the main export of the country?',
  'Who was the first president of the republic?', 'When did the empire fall?', 'What is the tallest building?',
  'How is the parliament elected?', 'Which composer wrote the symphony?', 'What protects the immune system?',
  'Where does the railway line end?', 'Why did the dynasty collapse?', 'What is the boiling point of water?',
];

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Standard normal from two uniforms (Box-Muller). */
export function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

export function unit(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Clustered unit vectors: a topic centre plus noise of about the centre's own length. */
export function clusteredVectors(count: number, rand: () => number, centres: number[][]): number[][] {
  return Array.from({ length: count }, () => {
    const c = centres[Math.floor(rand() * centres.length)]!;
    return unit(c.map((x) => x + gauss(rand) * 0.06));
  });
}

const VOCABULARY = 50_000;
const WORDS_PER_CHUNK = 150;

/** A chunk-text generator: Zipf(1) over a made-up vocabulary holding the questions' words (header). */
export function zipfText(seed: number): (n: number) => string {
  const rand = lcg(seed);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ber', 'dal', 'gor', 'hin', 'pel', 'tur'];
  const vocab = Array.from({ length: VOCABULARY }, (_, i) => {
    let w = '';
    for (let n = i + 1; n > 0; n = Math.floor(n / syllables.length)) w += syllables[n % syllables.length]!;
    return w;
  });
  const asked = [...new Set(QUESTIONS.join(' ').toLowerCase().match(/[a-z0-9]+/g) ?? [])];
  for (const w of asked) vocab[50 + Math.floor(rand() * 4950)] = w;
  // Cumulative Zipf weights 1/r, sampled by binary search.
  const cum = new Float64Array(VOCABULARY);
  let total = 0;
  for (let r = 0; r < VOCABULARY; r++) cum[r] = total += 1 / (r + 1);
  const pick = () => {
    const x = rand() * total;
    let lo = 0;
    let hi = VOCABULARY - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo]!;
  };
  return (n) => Array.from({ length: n }, pick).join(' ');
}

async function fillStore(dir: string, indexType: IndexType, vectors: number[][]): Promise<VectorStore> {
  const text = zipfText(7);
  const store = await openFaissStore({
    dir,
    manifest: { embedModelId: 'bench', embedModelName: 'random', dimensions: DIMS, chunkSize: 1000, chunkOverlap: 150 },
    indexType,
  });
  for (let d = 0; d * PER_DOC < vectors.length; d++) {
    const slice = vectors.slice(d * PER_DOC, (d + 1) * PER_DOC);
    const chunks: ChunkRecord[] = slice.map((_, i) => ({
      chunkId: `doc${d}:${i}`,
      documentId: `doc${d}`,
      documentName: `doc${d}.txt`,
      page: i % 40,
      text: text(WORDS_PER_CHUNK),
      start: i * 1000,
      end: i * 1000 + 850,
    }));
    await store.addDocument(chunks, slice);
  }
  return store;
}

const p = (xs: number[]) => ({ p50: round(percentile(xs, 0.5)), p95: round(percentile(xs, 0.95)) });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

/** One raw FAISS search of the question's embedding: the baseline the web's search is measured against. */
export function rawSearch(embedder: Embedder, raw: { search(query: number[], k: number): unknown }, k: number): (q: string) => Promise<unknown> {
  const query = new Array<number>(embedder.dimensions);
  return async (q) => {
    const v = await embedder.embedQuery(q);
    for (let i = 0; i < query.length; i++) query[i] = v[i]!;
    return raw.search(query, k);
  };
}

/** One `GET /api/search` as a client makes it; the reply must hold k results, which `check` may look into. */
export function webSearch<R>(url: (q: string) => string, k: number, check: (results: R[]) => void = () => undefined): (q: string) => Promise<void> {
  return async (q) => {
    const res = await fetch(url(q));
    if (res.status !== 200) throw new Error(`GET /api/search answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { results: R[] };
    if (body.results.length !== k) throw new Error(`GET /api/search gave ${body.results.length} results, wanted ${k}`);
    check(body.results);
  };
}

export async function benchSearch(): Promise<Record<string, unknown>> {
  const total = Number(process.env.BENCH_CHUNKS ?? 100_000);
  const runs = Number(process.env.BENCH_QUERIES ?? 300);
  const log = (line: string) => process.stderr.write(`search: ${line}\n`);
  const rand = lcg(42);
  const centres = Array.from({ length: 2000 }, () => unit(Array.from({ length: DIMS }, () => gauss(rand))));
  const vectors = clusteredVectors(total, rand, centres);
  const heldOut = clusteredVectors(500, rand, centres);

  const faiss = loadFaiss();
  const raw = new faiss.IndexFlatIP(DIMS);
  for (let i = 0; i < total; i += 10_000) raw.add(vectors.slice(i, i + 10_000).flat());

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-search-'));
  const models = testModels();
  const embedder = await createOnnxEmbedder(models.embed, { threads: 1 });
  const services = new FakeServices();
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  const stores: VectorStore[] = [];
  try {
    const flat = await fillStore(path.join(dir, 'flat'), 'flat', vectors);
    stores.push(flat);
    log(`flat store of ${flat.size} chunks filled`);
    // The web's SearchService is the real retriever, as src/app/roles/web.ts wires it, in each mode.
    const byMode = Object.fromEntries(SEARCH_MODES.map((mode) => [mode, createRetriever(embedder, flat, { mode })])) as Record<SearchMode, Retriever>;
    let mode: SearchMode = 'dense';
    services.search = { search: (q, k) => byMode[mode].search(q, k) };
    server = await startTestServer({}, services);
    const url = (q: string) => `${server!.url}/api/search?q=${encodeURIComponent(q)}&k=${K}`;

    const webMs: number[] = [];
    const rawMs: number[] = [];
    const rawOnce = rawSearch(embedder, raw, K);
    const webOnce = webSearch(url, K);
    for (let i = 0; i < 20; i++) {
      await rawOnce(QUESTIONS[i % QUESTIONS.length]!);
      await webOnce(QUESTIONS[i % QUESTIONS.length]!);
    }
    for (let i = 0; i < runs; i++) {
      const q = QUESTIONS[i % QUESTIONS.length]!;
      // Alternate which goes first so neither always runs on a warmer cache.
      const order = i % 2 === 0 ? [rawOnce, webOnce] : [webOnce, rawOnce];
      for (const fn of order) {
        const t = performance.now();
        await fn(q);
        (fn === rawOnce ? rawMs : webMs).push(performance.now() - t);
      }
    }
    const web = sorted(webMs);
    const base = sorted(rawMs);
    log(`web p50 ${percentile(web, 0.5).toFixed(2)} ms, raw ${percentile(base, 0.5).toFixed(2)} ms`);

    // The three modes, query by query in rotating order.
    const modeMs: Record<SearchMode, number[]> = { hybrid: [], dense: [], lexical: [] };
    for (let i = 0; i < runs + 20; i++) {
      const q = QUESTIONS[i % QUESTIONS.length]!;
      for (let j = 0; j < SEARCH_MODES.length; j++) {
        mode = SEARCH_MODES[(i + j) % SEARCH_MODES.length]!;
        const t = performance.now();
        await webOnce(q);
        if (i >= 20) modeMs[mode].push(performance.now() - t);
      }
    }
    mode = 'dense';
    const modes = Object.fromEntries(SEARCH_MODES.map((m) => [m, p(sorted(modeMs[m]))]));
    const hybridToDense = {
      p50: round(percentile(sorted(modeMs.hybrid), 0.5) / percentile(sorted(modeMs.dense), 0.5)),
      p95: round(percentile(sorted(modeMs.hybrid), 0.95) / percentile(sorted(modeMs.dense), 0.95)),
    };
    log(`modes ${JSON.stringify(modes)}, hybrid/dense ${JSON.stringify(hybridToDense)}`);

    const searchModes = {
      texts: `${WORDS_PER_CHUNK} words a chunk, Zipf(1) over ${VOCABULARY} words, the questions' words at ranks 50-5000`,
      webSearchMs: modes,
      hybridToDenseRatio: hybridToDense,
      goalHybridToDenseP95: 1.3,
    };
    const summary = {
      chunks: total,
      dimensions: DIMS,
      k: K,
      queries: runs,
      vectors: 'clustered: 2000 topic centres plus noise, unit length',
      embedder: embedder.modelName,
      webSearchMs: p(web),
      rawEmbedPlusFaissMs: p(base),
      ratioP50: round(percentile(web, 0.5) / percentile(base, 0.5)),
      ratioP95: round(percentile(web, 0.95) / percentile(base, 0.95)),
      goalRatio: 1.2,
      searchModes,
    };
    if (process.env.BENCH_HNSW === '0') return { ...summary, approximate: 'left out (BENCH_HNSW=0)' };
    // Approximate index: built from the same vectors, compared on held-out vectors.
    const tBuild = performance.now();
    const hnsw = await fillStore(path.join(dir, 'hnsw'), 'hnsw', vectors);
    stores.push(hnsw);
    const hnswBuildSeconds = (performance.now() - tBuild) / 1000;
    log(`hnsw store built in ${hnswBuildSeconds.toFixed(0)} s`);
    let found = 0;
    const exactMs: number[] = [];
    const approxMs: number[] = [];
    for (const v of heldOut) {
      let t = performance.now();
      const exact = await flat.search(v, K);
      exactMs.push(performance.now() - t);
      t = performance.now();
      const approx = await hnsw.search(v, K);
      approxMs.push(performance.now() - t);
      const want = new Set(exact.map((h) => h.chunkId));
      found += approx.filter((h) => want.has(h.chunkId)).length;
    }
    // Deeper searches (asking FAISS for more neighbours) trade speed for recall.
    const depths: Record<string, { recallAt10: number; p50Ms: number }> = {};
    for (const depth of [128, 256]) {
      let hit = 0;
      const ms: number[] = [];
      for (const [j, v] of heldOut.entries()) {
        const t = performance.now();
        const approx = (await hnsw.search(v, depth)).slice(0, K);
        ms.push(performance.now() - t);
        const want = new Set((await flat.search(v, K)).map((h) => h.chunkId));
        hit += approx.filter((h) => want.has(h.chunkId)).length;
        if (j >= 199) break;
      }
      depths[`depth${depth}`] = { recallAt10: round(hit / (ms.length * K)), p50Ms: round(percentile(sorted(ms), 0.5)) };
    }
    const exactSorted = sorted(exactMs);
    const approxSorted = sorted(approxMs);
    return {
      ...summary,
      approximate: {
        index: 'HNSW32 (INDEX_TYPE=hnsw), searched at depth 64',
        heldOutQueries: heldOut.length,
        recallAt10: round(found / (heldOut.length * K)),
        exactStoreSearchMs: p(exactSorted),
        hnswStoreSearchMs: p(approxSorted),
        speedUpP50: round(percentile(exactSorted, 0.5) / percentile(approxSorted, 0.5), 1),
        buildSeconds: round(hnswBuildSeconds, 1),
        deeper: depths,
      },
    };
  } finally {
    await server?.close();
    for (const s of stores) await s.close();
    await embedder.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
