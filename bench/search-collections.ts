/**
 * `npm run bench:search`, collections case: 10 collections over BENCH_COLLECTION_CHUNKS (default
 * 100 000) clustered vectors, each collection its own index (src/retrieval/collection-stores.ts);
 * GET /api/search?q=..&k=10&collections=<one collection's name> through the real web app (names
 * resolved by the real collection service), against one embedding plus a raw faiss-node
 * IndexFlatIP holding only that collection's vectors, alternating query by query in the same run.
 * Goal: p95 at most 1.2x the raw index. Two more baselines in the same run separate what the
 * collections cost from what the web path costs anyway: the same web app searching a plain store
 * that holds only that collection (the retriever from before collections), and, below the web, the
 * collection stores' restricted search against the raw index for the same query vector.
 * Memory per collection: the process's RSS growth while the collections are filled, divided by
 * their number.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import type { ChunkRecord } from '../src/ports/vector-store.ts';
import { createCollectionRetriever } from '../src/retrieval/collection-retriever.ts';
import { createRetriever } from '../src/retrieval/retriever.ts';
import { CollectionStores } from '../src/retrieval/collection-stores.ts';
import { loadFaiss } from '../src/retrieval/faiss-native.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { FakeServices, startTestServer } from '../tests/support/fake-services.ts';
import { testModels } from '../tests/support/test-models.ts';
import { clusteredVectors, gauss, lcg, QUESTIONS, rawSearch, unit, webSearch, zipfText } from './search.ts';
import { percentile, round } from './stats.ts';

const DIMS = 384;
const K = 10;
const PER_DOC = 1000;
const COLLECTIONS = 10;

const p = (xs: number[]) => ({ p50: round(percentile(xs, 0.5)), p95: round(percentile(xs, 0.95)) });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

export async function benchSearchCollections(): Promise<Record<string, unknown>> {
  const total = Number(process.env.BENCH_COLLECTION_CHUNKS ?? 100_000);
  const runs = Number(process.env.BENCH_QUERIES ?? 300);
  const per = Math.floor(total / COLLECTIONS);
  const log = (line: string) => process.stderr.write(`search-collections: ${line}\n`);
  const rand = lcg(7);
  const centres = Array.from({ length: 2000 }, () => unit(Array.from({ length: DIMS }, () => gauss(rand))));

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-collections-'));
  const models = testModels();
  const embedder = await createOnnxEmbedder(models.embed, { threads: 1 });
  const manifest = { embedModelId: 'bench', embedModelName: 'random', dimensions: DIMS, chunkSize: 1000, chunkOverlap: 150 };
  const stores = new CollectionStores({ root: dir, open: (d) => openFaissStore({ dir: d, manifest }) });
  const services = new FakeServices();
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let plainServer: Awaited<ReturnType<typeof startTestServer>> | undefined;
  try {
    const ids: string[] = [];
    const rssBefore = process.memoryUsage().rss;
    let chosenVectors: number[][] = [];
    const text = zipfText(7);
    for (let c = 0; c < COLLECTIONS; c++) {
      const collection = services.collections.create({ name: `Collection ${c}` });
      ids.push(collection.id);
      const store = await stores.forCollection(collection.id);
      const vectors = clusteredVectors(per, rand, centres);
      if (c === 3) chosenVectors = vectors;
      for (let d = 0; d * PER_DOC < vectors.length; d++) {
        const slice = vectors.slice(d * PER_DOC, (d + 1) * PER_DOC);
        const chunks: ChunkRecord[] = slice.map((_, i) => ({
          chunkId: `c${c}d${d}:${i}`,
          documentId: `c${c}d${d}`,
          documentName: `c${c}d${d}.txt`,
          page: i % 40,
          // Distinct texts: repeated boilerplate would be dropped as near-duplicates (search-modes.ts).
          text: text(150),
          start: i * 1000,
          end: i * 1000 + 850,
        }));
        await store.addDocument(chunks, slice);
      }
    }
    const rssPerCollectionMb = (process.memoryUsage().rss - rssBefore) / COLLECTIONS / 2 ** 20;
    log(`${COLLECTIONS} collections of ${per} chunks filled (${stores.size} in all), ~${rssPerCollectionMb.toFixed(0)} MB RSS each`);

    const faiss = loadFaiss();
    const raw = new faiss.IndexFlatIP(DIMS);
    raw.add(chosenVectors.flat());
    services.search = createCollectionRetriever(embedder, stores);
    server = await startTestServer({}, services);
    // The web app before collections, over a plain store holding only that collection.
    const plain = new FakeServices();
    plain.search = createRetriever(embedder, await stores.forCollection(ids[3]!));
    plainServer = await startTestServer({}, plain);
    const url = (q: string) => `${server!.url}/api/search?q=${encodeURIComponent(q)}&k=${K}&collections=${encodeURIComponent('collection 3')}`;
    const plainOnce = async (q: string) => {
      const res = await fetch(`${plainServer!.url}/api/search?q=${encodeURIComponent(q)}&k=${K}`);
      if (res.status !== 200) throw new Error(`GET /api/search answered ${res.status}`);
      await res.json();
    };
    const rawOnce = rawSearch(embedder, raw, K);
    const webOnce = webSearch<{ collection: { id: string } }>(url, K, (results) => {
      if (results.some((r) => r.collection.id !== ids[3])) throw new Error('a result from another collection');
    });
    for (let i = 0; i < 20; i++) {
      await rawOnce(QUESTIONS[i % QUESTIONS.length]!);
      await webOnce(QUESTIONS[i % QUESTIONS.length]!);
    }
    const ms = new Map<(q: string) => Promise<unknown>, number[]>([[rawOnce, []], [webOnce, []], [plainOnce, []]]);
    const fns = [...ms.keys()];
    for (let i = 0; i < runs; i++) {
      const q = QUESTIONS[i % QUESTIONS.length]!;
      // Rotate which goes first so none always runs on a warmer cache.
      for (let j = 0; j < fns.length; j++) {
        const fn = fns[(i + j) % fns.length]!;
        const t = performance.now();
        await fn(q);
        ms.get(fn)!.push(performance.now() - t);
      }
    }
    const web = sorted(ms.get(webOnce)!);
    const base = sorted(ms.get(rawOnce)!);
    const plainWeb = sorted(ms.get(plainOnce)!);
    // Below the web: the restricted search against the raw index, same query vectors.
    const storeMs: number[] = [];
    const faissMs: number[] = [];
    const vectors = await Promise.all(QUESTIONS.map((q) => embedder.embedQuery(q)));
    for (let i = 0; i < runs; i++) {
      const v = vectors[i % vectors.length]!;
      let t = performance.now();
      await stores.search(v, K, [ids[3]!]);
      storeMs.push(performance.now() - t);
      t = performance.now();
      raw.search(v, K);
      faissMs.push(performance.now() - t);
    }
    const storeSorted = sorted(storeMs);
    const faissSorted = sorted(faissMs);
    log(`web p95 ${percentile(web, 0.95).toFixed(2)} ms, raw one-collection index ${percentile(base, 0.95).toFixed(2)} ms`);
    return {
      collections: COLLECTIONS,
      chunks: stores.size,
      chunksPerCollection: per,
      k: K,
      queries: runs,
      embedder: embedder.modelName,
      webSearchOneCollectionMs: p(web),
      rawEmbedPlusFaissOfThatCollectionMs: p(base),
      ratioP50: round(percentile(web, 0.5) / percentile(base, 0.5)),
      ratioP95: round(percentile(web, 0.95) / percentile(base, 0.95)),
      goalRatioP95: 1.2,
      webSearchPlainIndexOfThatCollectionMs: p(plainWeb),
      vsPlainWebRatioP50: round(percentile(web, 0.5) / percentile(plainWeb, 0.5)),
      vsPlainWebRatioP95: round(percentile(web, 0.95) / percentile(plainWeb, 0.95)),
      collectionStoresSearchMs: p(storeSorted),
      rawFaissSearchMs: p(faissSorted),
      storeVsRawRatioP95: round(percentile(storeSorted, 0.95) / percentile(faissSorted, 0.95)),
      rssPerCollectionMb: round(rssPerCollectionMb, 1),
      vectorBytesPerCollectionMb: round((per * DIMS * 4 * 2) / 2 ** 20, 1),
    };
  } finally {
    await server?.close();
    await plainServer?.close();
    await stores.close();
    await embedder.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
