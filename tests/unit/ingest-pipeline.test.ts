/** The ingest pipeline end to end with the real FAISS store and the hashing stand-in embedder. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { INGEST_CONTRACT_VERSION, type IngestJob, type MediaType } from '../../src/contracts/ingest.ts';
import { AppError, InvalidInputError } from '../../src/errors.ts';
import { isolatedParser } from '../../src/ingest/isolated-parser.ts';
import type { DocumentParser } from '../../src/ingest/parse-document.ts';
import { IN_PROCESS_TEXT_BYTES, ingestDocument, type IngestProgress } from '../../src/ingest/pipeline.ts';
import type { VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { makePdf } from '../support/make-pdf.ts';

const dirs: string[] = [];
const stores: VectorStore[] = [];
after(async () => {
  for (const s of stores) await s.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function setup(embedBatch = 4) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-ingest-'));
  dirs.push(dir);
  const embedder = createFakeEmbedder();
  const chunking = { size: 200, overlap: 30, embedBatch };
  const store = await openFaissStore({
    dir: path.join(dir, 'vectorstore'),
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
  stores.push(store);
  const progress: IngestProgress[] = [];
  const deps = { embedder, store, chunking, onProgress: (p: IngestProgress) => progress.push(p) };
  /** Stores `bytes` like the upload service does and returns the job for it. */
  const job = async (bytes: Uint8Array, name: string, mediaType: MediaType): Promise<IngestJob> => {
    const documentId = createHash('sha256').update(bytes).digest('hex');
    const storedPath = path.join(dir, documentId);
    await fs.writeFile(storedPath, bytes);
    return { v: INGEST_CONTRACT_VERSION, id: `job-${documentId.slice(0, 8)}`, documentId, storedPath, name, mediaType, size: bytes.length };
  };
  return { dir, embedder, store, progress, deps, job };
}

const fixture = (name: string) => fs.readFile(new URL(`../fixtures/${name}`, import.meta.url));

void test('a Markdown file is parsed, chunked, embedded in batches, indexed and saved, with progress in order', async () => {
  const { store, embedder, progress, deps, job } = await setup(2);
  const result = await ingestDocument(await job(await fixture('harbour-guide.md'), 'harbour-guide.md', 'text/markdown'), deps);
  assert.equal(result.pages, null);
  assert.ok(result.chunks >= 3, `several chunks, got ${result.chunks}`);
  assert.equal(store.size, result.chunks);
  assert.notEqual(store.version, null, 'a version was saved');
  assert.ok(embedder.batches.every((n) => n <= 2) && embedder.batches.reduce((a, b) => a + b, 0) === result.chunks);

  const stages = progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1]);
  assert.deepEqual(stages, ['parsing', 'chunking', 'embedding', 'saving', 'indexed']);
  const embedding = progress.filter((p) => p.stage === 'embedding');
  assert.deepEqual(
    embedding.map((p) => [p.done, p.total]),
    [0, ...embedder.batches.map((_, i) => embedder.batches.slice(0, i + 1).reduce((x, y) => x + y, 0))].map((d) => [d, result.chunks]),
    'chunks embedded so far, before the first batch and after each one',
  );
  assert.ok(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1]!.progress), 'progress never goes back');
  assert.deepEqual(progress.at(-1), { stage: 'indexed', progress: 1, pages: null, chunks: result.chunks, done: null, total: null });

  const hits = await store.search(await embedder.embedQuery('how much does mooring cost a night'), 1);
  assert.match(hits[0]!.text, /Mooring costs twelve euros/);
});

void test('a PDF keeps its page numbers; running the same job twice leaves one copy', async () => {
  const { store, embedder, deps, job } = await setup();
  const pdf = makePdf(['The lighthouse keeper lights the lamp at dusk.', '', 'The ferry to the island leaves at noon every Sunday.']);
  const j = await job(pdf, 'island.pdf', 'application/pdf');
  const first = await ingestDocument(j, deps);
  assert.deepEqual(first, { pages: 3, chunks: 2 });
  const v1 = store.version;
  const again = await ingestDocument(j, deps);
  assert.deepEqual(again, first);
  assert.equal(store.size, 2, 'still one copy');
  assert.notEqual(store.version, v1, 'saved again');
  const hits = await store.search(await embedder.embedQuery('ferry to the island on sunday'), 5);
  assert.deepEqual(
    hits.map((h) => h.page),
    [3, 1],
  );
});

void test('two documents live side by side; content decides the type, not the job', async () => {
  const { store, deps, job } = await setup();
  await ingestDocument(await job(await fixture('harbour-guide.md'), 'harbour-guide.md', 'text/markdown'), deps);
  const before = store.size;
  const text = await job(await fixture('bakery-notes.txt'), 'bakery-notes.txt', 'application/pdf');
  const r = await ingestDocument(text, deps);
  assert.equal(store.size, before + r.chunks);
  assert.equal(r.pages, null, 'parsed as text');
});

void test('bad content fails with InvalidInputError and leaves the index untouched', async () => {
  const { store, deps, job } = await setup();
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  await assert.rejects(ingestDocument(await job(png, 'scan.txt', 'text/plain'), deps), (err: unknown) => err instanceof InvalidInputError && /PNG/.test(err.message));
  await assert.rejects(ingestDocument(await job(makePdf(['']), 'scan.pdf', 'application/pdf'), deps), /no extractable text/);
  assert.equal(store.size, 0);
  assert.equal(store.version, null);
});

void test('passages of punctuation alone are not indexed; a document of nothing else fails saying so', async () => {
  const { store, embedder, deps, job } = await setup();
  const md = Buffer.from(`# ${'['.repeat(5000)}\n\nThe ferry leaves at nine.\n\n${'<'.repeat(3000)}\n`);
  const result = await ingestDocument(await job(md, 'brackets.md', 'text/markdown'), deps);
  assert.equal(result.chunks, 1, 'only the sentence is a passage');
  assert.deepEqual(embedder.seen, ['The ferry leaves at nine.'], 'the embedder saw only the sentence');
  const symbols = Buffer.from(`${'-|'.repeat(4000)}\n${'=+'.repeat(4000)}\n`);
  await assert.rejects(ingestDocument(await job(symbols, 'rule.txt', 'text/plain'), deps), (err: unknown) => err instanceof InvalidInputError && /no passage with words to index/.test(err.message));
  assert.equal(store.size, 1);
});

void test('a passage repeated in a document is embedded once; every copy is indexed', async () => {
  const { store, embedder, deps, job } = await setup(4);
  // Paragraphs of about the chunk size (200): each one is a chunk, and every other one is the same.
  const block = 'Boilerplate: this page is confidential and belongs to the harbour office; do not copy it, do not forward it, and return it to the office when you are done reading it, please.';
  const unique = (i: number) => `Section ${i} says the tide table number is ${1000 + i}, and the pilot boat for that section waits at buoy ${i} from six in the morning until the last ship is in.`;
  const text = Array.from({ length: 12 }, (_, i) => `${block}\n\n${unique(i)}`).join('\n\n');
  const result = await ingestDocument(await job(Buffer.from(text), 'repeated.txt', 'text/plain'), deps);
  assert.equal(result.chunks, 24);
  assert.equal(store.size, result.chunks);
  assert.equal(new Set(embedder.seen).size, embedder.seen.length, 'no text embedded twice');
  assert.equal(embedder.seen.length, 13, 'the repeated block once, and the twelve sections');
});

void test('a missing stored file is a non-retryable error naming the file', async () => {
  const { deps, job } = await setup();
  const j = await job(Buffer.from('hello'), 'hello.txt', 'text/plain');
  await fs.rm(j.storedPath);
  await assert.rejects(ingestDocument(j, deps), (err: unknown) => err instanceof AppError && !err.retryable && /hello\.txt.+missing/.test(err.message));
});

void test('afterDocument is called once per document, when it is indexed and when it failed, after the work is over', async () => {
  const { store, deps, job } = await setup();
  const calls: string[] = [];
  const withHook = { ...deps, afterDocument: () => calls.push(`done with ${store.size} chunks stored`) };
  const ok = await ingestDocument(await job(Buffer.from('The ferry leaves from pier three at noon.'), 'ferry.txt', 'text/plain'), withHook);
  assert.deepEqual(calls, [`done with ${ok.chunks} chunks stored`], 'called once, after the chunks were stored');
  await assert.rejects(ingestDocument(await job(makePdf(['']), 'scan.pdf', 'application/pdf'), withHook), /no extractable text/);
  assert.equal(calls.length, 2, 'a failed document is done too');
});

void test('a large file goes to its parse child as a path, never read into the ingest process; a small text is read here', async () => {
  const { store, deps, job } = await setup(64);
  const seen: string[] = [];
  const child = isolatedParser();
  const childParser: DocumentParser = (input, ...rest) => {
    seen.push(input instanceof Uint8Array ? `bytes:${input.length}` : `path:${path.basename(input.path)}`);
    return child(input, ...rest);
  };
  const paragraph = 'The ferry to Skerry Rock leaves the harbour at seven and returns at noon. ';
  const large = Buffer.from(paragraph.repeat(Math.ceil((IN_PROCESS_TEXT_BYTES + 10_000) / paragraph.length)));
  const bigJob = await job(large, 'timetable.txt', 'text/plain');
  const result = await ingestDocument(bigJob, { ...deps, childParser });
  assert.deepEqual(seen, [`path:${path.basename(bigJob.storedPath)}`], 'the child was handed the stored path');
  assert.ok(result.chunks > 100 && store.hasDocument(bigJob.documentId));

  const small = await job(Buffer.from('A short note about the harbour master.'), 'note.txt', 'text/plain');
  await ingestDocument(small, { ...deps, childParser });
  assert.equal(seen.length, 1, 'a small text is parsed in this process, not in a child');
  assert.ok(store.hasDocument(small.documentId));
});
