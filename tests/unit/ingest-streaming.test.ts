/**
 * PDF pages streamed out of the parse child and chunked and embedded while it reads on: the result
 * is the same as parse-then-chunk, the child never gets more than STREAM_WINDOW batches ahead,
 * waiting for the consumer does not count against the parse timeout, and a failure in the middle
 * (parser or embedder) leaves nothing of the document in the index. The child reads ahead of a busy
 * embedder up to a bound, and chunks embedded during the parse go to the narrower embedder.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { chunkDocument } from '../../src/ingest/chunker.ts';
import { isolatedParser, parseIsolated } from '../../src/ingest/isolated-parser.ts';
import type { DocumentParser } from '../../src/ingest/parse-document.ts';
import { parsePdf } from '../../src/ingest/parse-pdf.ts';
import { STREAM_WINDOW } from '../../src/ingest/parse-protocol.ts';
import type { ParsedPage } from '../../src/ingest/parsed-document.ts';
import { ingestDocument, type IngestProgress } from '../../src/ingest/pipeline.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import type { ChunkRecord, VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { makePdf } from '../support/make-pdf.ts';

const dirs: string[] = [];
const stores: VectorStore[] = [];
after(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

const chunking = { size: 200, overlap: 30, embedBatch: 8 };
const WORDS = 'harbour pier ferry tide lamp keeper island grain timber wool toll ledger clerk winter north'.split(' ');

/** `count` pages of a few varied lines; every seventh page is empty (a scanned page). */
function pages(count: number): string[] {
  return Array.from({ length: count }, (_, n) =>
    n % 7 === 6 ? '' : Array.from({ length: 6 }, (_, l) => Array.from({ length: 9 }, (_, w) => WORDS[(n * 31 + l * 7 + w * 3) % WORDS.length]).join(' ') + ` ${n}.${l}.`).join('\n'),
  );
}

async function setup(embedder: Embedder = createFakeEmbedder()) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-stream-'));
  dirs.push(dir);
  const store = await openFaissStore({
    dir: path.join(dir, 'vectorstore'),
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
  stores.push(store);
  /** What the pipeline handed to the store. */
  const added: ChunkRecord[][] = [];
  const spy = new Proxy(store, {
    get(target, key) {
      if (key === 'addDocument') return (c: ChunkRecord[], v: number[][]) => (added.push(c), target.addDocument(c, v));
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const job = async (bytes: Uint8Array, name: string): Promise<IngestJob> => {
    const documentId = createHash('sha256').update(bytes).digest('hex');
    const storedPath = path.join(dir, documentId);
    await fs.writeFile(storedPath, bytes);
    return { v: INGEST_CONTRACT_VERSION, id: `job-${documentId.slice(0, 8)}`, documentId, storedPath, name, mediaType: 'application/pdf', size: bytes.length };
  };
  return { store, spy, added, job };
}

void test('a streamed PDF gives exactly the chunks of parse-then-chunk, in full embedding batches, embedding before the parse ends', async () => {
  const embedder = createFakeEmbedder();
  const progress: IngestProgress[] = [];
  /** The pages read when each embedding call was made. */
  const readAtEmbed: number[] = [];
  let read = 0;
  const watched: Embedder = { ...embedder, embedDocuments: (t) => (readAtEmbed.push(read), embedder.embedDocuments(t)) };
  const { spy, added, job } = await setup(watched);
  const pdf = makePdf(pages(60));
  const j = await job(pdf, 'ledger.pdf');
  const onProgress = (p: IngestProgress): void => {
    if (p.stage === 'parsing' && p.done !== null) read = p.done;
    progress.push(p);
  };
  const result = await ingestDocument(j, { embedder: watched, store: spy, chunking, onProgress });

  const expected = await chunkDocument({ documentId: j.documentId, documentName: j.name, mediaType: 'application/pdf' }, await parsePdf(pdf), chunking);
  assert.ok(expected.length > 3 * chunking.embedBatch, `enough chunks for several batches, got ${expected.length}`);
  assert.equal(added.length, 1);
  assert.deepEqual(added[0], expected, 'same ids, pages, texts, offsets and heading paths');
  assert.deepEqual(result, { pages: 60, chunks: expected.length });

  const full = Math.floor(expected.length / chunking.embedBatch);
  assert.deepEqual(embedder.batches.slice(0, full), Array.from({ length: full }, () => chunking.embedBatch), 'full batches, as without streaming');
  assert.ok(readAtEmbed[0]! < 60, `the first batch was embedded while the child was reading (at page ${readAtEmbed[0]})`);

  const stages = progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(stages, ['parsing', 'chunking', 'embedding', 'saving', 'indexed']);
  const parsing = progress.filter((p) => p.stage === 'parsing' && p.done !== null);
  assert.deepEqual(parsing.at(-1), { ...parsing.at(-1), done: 60, total: 60, pages: 60 }, 'parsing page 60/60');
  assert.ok(parsing.every((p, i) => i === 0 || p.done! >= parsing[i - 1]!.done!), 'pages read never go back');
  const embedding = progress.filter((p) => p.stage === 'embedding');
  assert.deepEqual([embedding.at(-1)!.done, embedding.at(-1)!.total], [expected.length, expected.length], 'embedding chunk m/m');
  assert.ok(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1]!.progress), 'progress never goes back');
});

void test('the parse child stays within its credit of the consumer, and waiting on the consumer is not parse time', async () => {
  const batches = 8;
  let lastRead = 0;
  const received: ParsedPage[] = [];
  let calls = 0;
  const doc = await parseIsolated(
    makePdf(pages(batches * 10)),
    'application/pdf',
    // Less than the consumer takes in all (8 x 1 s): only the child's reading counts.
    { timeoutMs: 5000 },
    (done) => (lastRead = Math.max(lastRead, done)),
    async (batch) => {
      calls++;
      assert.ok(lastRead <= (calls - 1 + STREAM_WINDOW) * 10, `call ${calls}: read ${lastRead} pages, more than the credit allows`);
      received.push(...batch);
      await sleep(1000);
    },
  );
  assert.equal(calls, batches);
  assert.deepEqual(doc.pages, [], 'streamed pages are not sent twice');
  assert.equal(doc.pageCount, batches * 10);
  assert.deepEqual(
    received.map((p) => p.page),
    Array.from({ length: batches * 10 }, (_, i) => i + 1).filter((n) => n % 7 !== 0),
  );
});

void test('an embedder failing in the middle of a streamed PDF stops the parse and leaves nothing indexed', async () => {
  const embedder = createFakeEmbedder();
  let calls = 0;
  const failing: Embedder = {
    ...embedder,
    embedDocuments: (t) => (++calls === 3 ? Promise.reject(new Error('embedder lost its session')) : embedder.embedDocuments(t)),
  };
  const { store, spy, added, job } = await setup(failing);
  await assert.rejects(ingestDocument(await job(makePdf(pages(60)), 'ledger.pdf'), { embedder: failing, store: spy, chunking }), /embedder lost its session/);
  assert.equal(calls, 3, 'no batch after the failure');
  assert.deepEqual(added, []);
  assert.equal(store.size, 0);
  assert.equal(store.version, null);
});

void test('a parser failing after it streamed pages leaves the index as it was', async () => {
  const { store, spy, added, job } = await setup();
  const kept = await job(makePdf(pages(12)), 'kept.pdf');
  await ingestDocument(kept, { embedder: createFakeEmbedder(), store: spy, chunking });
  const [size, version] = [store.size, store.version];
  const doc = await parsePdf(makePdf(pages(40)));
  const streamsThenFails: DocumentParser = async (_bytes, _type, onPage, onPages) => {
    for (let i = 0; i < 3; i++) {
      onPage?.((i + 1) * 10, 40);
      await onPages!(doc.pages.slice(i * 8, (i + 1) * 8), (i + 1) * 10, 40);
    }
    throw new InvalidInputError('the PDF could not be read (bad XRef entry)');
  };
  const broken = await job(makePdf(pages(40)), 'broken.pdf');
  await assert.rejects(ingestDocument(broken, { embedder: createFakeEmbedder(), store: spy, chunking, parser: streamsThenFails }), /bad XRef entry/);
  assert.equal(added.length, 1, 'only the first document reached the store');
  assert.equal(store.hasDocument(broken.documentId), false);
  assert.deepEqual([store.size, store.version], [size, version]);
});

void test('chunks embedded while the PDF is read go to embedderWhileParsing, the rest to the embedder; the index is the same', async () => {
  const wide = createFakeEmbedder();
  const narrow = createFakeEmbedder();
  let parseOver = false;
  /** Whether each narrow call came before the parse ended, each wide call after. */
  const order: string[] = [];
  // Slower than the parse, as one thread fewer is: batches still waiting when the parse ends go to the wide one.
  const narrowWatched: Embedder = {
    ...narrow,
    embedDocuments: async (t) => (order.push(parseOver ? 'narrow-late' : 'narrow'), await sleep(30), narrow.embedDocuments(t)),
  };
  const wideWatched: Embedder = { ...wide, embedDocuments: (t) => (order.push(parseOver ? 'wide' : 'wide-early'), wide.embedDocuments(t)) };
  const { spy, added, job } = await setup(wide);
  const pdf = makePdf(pages(60));
  const j = await job(pdf, 'ledger.pdf');
  const child = isolatedParser();
  const watchedParser: DocumentParser = (...args) => child(...args).finally(() => (parseOver = true));
  const result = await ingestDocument(j, { embedder: wideWatched, embedderWhileParsing: narrowWatched, store: spy, chunking, childParser: watchedParser });

  assert.ok(narrow.batches.length > 0, 'some chunks were embedded during the parse, by the narrow embedder');
  assert.ok(wide.batches.length > 0, 'the last chunks were embedded after it, by the embedder');
  assert.ok(!order.includes('wide-early') && !order.includes('narrow-late'), `narrow only while parsing, wide only after: ${order.join(' ')}`);
  assert.equal([...narrow.batches, ...wide.batches].reduce((a, b) => a + b, 0), result.chunks, 'every chunk embedded once');

  // The same document through one embedder gives the same chunks and vectors in the store.
  const alone = await setup(createFakeEmbedder());
  await ingestDocument(await alone.job(pdf, 'ledger.pdf'), { embedder: createFakeEmbedder(), store: alone.spy, chunking });
  assert.deepEqual(added[0], alone.added[0]);
  const query = (await createFakeEmbedder().embedDocuments(['ferry pier 12.3.']))[0]!;
  assert.deepEqual(await spy.search(query, 5), await alone.spy.search(query, 5));
});

/** Polls `done` every 10 ms for at most `ms`; its last answer. */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await sleep(10);
  return done();
}

void test('the child reads ahead of a busy embedder up to readAheadChunks, and no further', async () => {
  const embedder = createFakeEmbedder();
  const { job } = await setup();
  const j = await job(makePdf(pages(60)), 'ledger.pdf');
  /** Ingests with the first embedding call held until all 60 pages were read (or `holdMs` passed); whether they were. */
  const firstCallSawAllPages = async (readAheadChunks: number, holdMs: number): Promise<boolean> => {
    let read = 0;
    let sawAll: boolean | null = null;
    const holding: Embedder = {
      ...embedder,
      embedDocuments: async (t) => {
        sawAll ??= await within(holdMs, () => read === 60);
        return embedder.embedDocuments(t);
      },
    };
    const { store } = await setup();
    const onProgress = (p: IngestProgress): void => void (p.stage === 'parsing' && p.done !== null && (read = p.done));
    await ingestDocument(j, { embedder: holding, store, chunking, onProgress, readAheadChunks });
    return sawAll ?? false;
  };
  assert.equal(await firstCallSawAllPages(10_000, 20_000), true, 'the 60 pages were read while the first batch waited');
  assert.equal(await firstCallSawAllPages(8, 1500), false, 'with 8 chunks of read-ahead the child waited for the embedder');
});
