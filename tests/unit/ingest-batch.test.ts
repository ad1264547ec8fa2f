/**
 * Coalesced index versions (src/ingest/index-batch.ts) through the ingest worker's handler on the
 * in-process bus and the real FAISS store: a burst of queued jobs is saved as fewer versions than
 * documents; every document is in the version on disk (a fresh store opened from the directory, as
 * another process would, finds it) when its `ready` arrives; a document that fails leaves the
 * others of its batch ready; a lone job is saved at once; a slow job does not hold back the
 * documents before it longer than the window; a save that fails is retried for each document.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { INGEST_CONTRACT_VERSION, ingestEventSchema, type IngestEvent } from '../../src/contracts/ingest.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { UnavailableError } from '../../src/errors.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import type { DocumentParser } from '../../src/ingest/parse-document.ts';
import { parseText } from '../../src/ingest/parse-text.ts';
import type { VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { retryPolicy } from '../support/retry-policy.ts';
import { storesOver } from '../support/collection-stores.ts';

const silent = pino({ level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

interface Setup {
  batch: { maxDocuments: number; windowMs: number };
  parser?: DocumentParser;
  /** Wraps the writer store (e.g. to make a save fail). */
  wrap?: (s: VectorStore) => VectorStore;
  /** Runs when a document is reported ready, before the event is recorded. */
  onReady?: (e: IngestEvent) => Promise<void>;
}

async function setUp(o: Setup) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-batch-'));
  dirs.push(dir);
  const embedder = createFakeEmbedder();
  const chunking = { size: 200, overlap: 20, embedBatch: 4 };
  const vsDir = path.join(dir, 'vectorstore');
  const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap };
  const open = () => openFaissStore({ dir: vsDir, manifest });
  const inner = await open();
  let saves = 0;
  const counted = inner.save.bind(inner);
  inner.save = () => {
    saves++;
    return counted();
  };
  const store = o.wrap ? o.wrap(inner) : inner;
  const bus = createMemoryMessageBus({ logger: silent });
  const events: IngestEvent[] = [];
  let announced = 0;
  const waiters: Array<() => void> = [];
  await bus.subscribe(EXCHANGES.indexUpdates, () => void announced++);
  await bus.subscribe(EXCHANGES.ingestEvents, async (body) => {
    const e = ingestEventSchema.parse(body);
    if (e.status === 'ready') await o.onReady?.(e);
    events.push(e);
    for (const w of waiters.splice(0)) w();
  });
  const handler = createIngestHandler({ bus, embedder, stores: storesOver(vsDir, store), chunking, logger: silent, batch: o.batch, ...(o.parser ? { parser: o.parser } : {}) });
  const final = (name: string) => events.find((e) => e.name === name && (e.status === 'ready' || e.status === 'failed'));
  const api = {
    dir,
    embedder,
    store: inner,
    events,
    saves: () => saves,
    announced: () => announced,
    /** A fresh store over the directory: what another process loads on `index.updates`. */
    openFromDisk: open,
    async enqueue(name: string, text: string) {
      const bytes = Buffer.from(text);
      const documentId = createHash('sha256').update(bytes).digest('hex');
      const storedPath = path.join(dir, `${name}.upload`);
      await fs.writeFile(storedPath, bytes);
      await bus.send(QUEUES.ingestJobs, { v: INGEST_CONTRACT_VERSION, id: `job-${name}`, documentId, storedPath, name, mediaType: 'text/plain', size: bytes.length });
      return documentId;
    },
    async enqueueDelete(name: string, documentId: string) {
      await bus.send(QUEUES.ingestJobs, { v: INGEST_CONTRACT_VERSION, id: `delete-${name}`, kind: 'delete', documentId, name, storedPath: null });
    },
    // As the ingest worker consumes (src/app/roles/ingest-worker.ts).
    consume: () => bus.consume(QUEUES.ingestJobs, handler, { prefetch: 2 * o.batch.maxDocuments, singleActive: true, retry: retryPolicy({ maxAttempts: 3, backoff: { initialMs: 1, maxMs: 5 } }) }),
    final,
    /** Resolves once every named document is ready or failed. */
    async settled(names: string[]) {
      while (!names.every((n) => final(n))) await new Promise<void>((resolve) => waiters.push(resolve));
      return new Map(names.map((n) => [n, final(n)!]));
    },
    close: async () => {
      await bus.close();
      await inner.close();
    },
  };
  return api;
}

const note = (i: number) => `Note ${i}: the ${['harbour', 'lantern', 'orchard', 'granary'][i % 4]} ledger number ${i} records ${'tides and tolls '.repeat(4)}item${i}x.`;

void test('a burst of queued jobs is saved as fewer index versions than documents, each ready only once on disk', { timeout: 30_000 }, async () => {
  const found: string[] = [];
  const s = await setUp({
    batch: { maxDocuments: 8, windowMs: 60_000 },
    // What the web and answer workers do on `ready`: load the version CURRENT names, from disk.
    onReady: async (e) => {
      const reader = await s.openFromDisk();
      if (reader.hasDocument(e.documentId)) found.push(e.name);
      await reader.close();
    },
  });
  try {
    const n = 20;
    const names = Array.from({ length: n }, (_, i) => `note-${i}.txt`);
    for (let i = 0; i < n; i++) await s.enqueue(names[i]!, note(i));
    const sub = await s.consume();
    const finals = await s.settled(names);
    await sub.cancel();
    assert.deepEqual([...finals.values()].map((e) => e.status), names.map(() => 'ready'));
    assert.ok(s.saves() < n, `${s.saves()} versions for ${n} documents`);
    assert.ok(s.saves() <= Math.ceil(n / 8) + 1, `${s.saves()} versions for ${n} documents in batches of up to 8`);
    assert.equal(s.announced(), s.saves(), 'each version announced once');
    assert.deepEqual(found.sort(), [...names].sort(), 'every document was in the version on disk when reported ready');
    const hits = await s.store.search(await s.embedder.embedQuery('ledger number 13 item13x'), 1);
    assert.equal(hits[0]?.documentName, 'note-13.txt');
  } finally {
    await s.close();
  }
});

void test('a document that fails in a batch leaves the others ready', { timeout: 30_000 }, async () => {
  const s = await setUp({ batch: { maxDocuments: 8, windowMs: 60_000 } });
  try {
    const names = ['a.txt', 'b.txt', 'symbols.txt', 'c.txt', 'd.txt'];
    for (const [i, name] of names.entries()) await s.enqueue(name, name === 'symbols.txt' ? '!!! ??? ... ;;; --- *** ###' : note(i));
    const sub = await s.consume();
    const finals = await s.settled(names);
    await sub.cancel();
    assert.equal(finals.get('symbols.txt')?.status, 'failed');
    assert.match(finals.get('symbols.txt')?.error ?? '', /no passage with words/);
    for (const n of ['a.txt', 'b.txt', 'c.txt', 'd.txt']) assert.equal(finals.get(n)?.status, 'ready', n);
    assert.equal(s.saves(), 1, 'the four documents were saved as one version');
    const reader = await s.openFromDisk();
    assert.equal(reader.size, s.store.size);
    await reader.close();
  } finally {
    await s.close();
  }
});

void test('a lone job is saved at once, not after the window', { timeout: 30_000 }, async () => {
  const windowMs = 60_000;
  const s = await setUp({ batch: { maxDocuments: 8, windowMs } });
  try {
    const sub = await s.consume();
    const started = performance.now();
    await s.enqueue('lone.txt', note(1));
    const finals = await s.settled(['lone.txt']);
    const took = performance.now() - started;
    await sub.cancel();
    assert.equal(finals.get('lone.txt')?.status, 'ready');
    assert.ok(took < windowMs / 2, `the lone document took ${Math.round(took)} ms (window ${windowMs} ms)`);
    assert.equal(s.saves(), 1);
  } finally {
    await s.close();
  }
});

void test('a slow job does not hold back the indexed documents before it past the window', { timeout: 30_000 }, async () => {
  let release: () => void = () => undefined;
  const slow = new Promise<void>((resolve) => (release = resolve));
  const s = await setUp({
    batch: { maxDocuments: 8, windowMs: 50 },
    parser: async (input) => {
      if (!(input instanceof Uint8Array)) throw new TypeError('bytes expected');
      if (Buffer.from(input).toString().startsWith('SLOW')) await slow;
      return parseText(input);
    },
  });
  try {
    await s.enqueue('quick.txt', note(1));
    await s.enqueue('slow.txt', `SLOW ${note(2)}`);
    const sub = await s.consume();
    // Only the window can write quick.txt's version: the slow job is still parsing.
    const first = await s.settled(['quick.txt']);
    assert.equal(first.get('quick.txt')?.status, 'ready');
    assert.equal(s.final('slow.txt'), undefined);
    release();
    const second = await s.settled(['slow.txt']);
    await sub.cancel();
    assert.equal(second.get('slow.txt')?.status, 'ready');
    assert.equal(s.saves(), 2);
  } finally {
    release();
    await s.close();
  }
});

void test('a save that fails is retried for every document of its batch', { timeout: 30_000 }, async () => {
  let failures = 1;
  const s = await setUp({
    batch: { maxDocuments: 4, windowMs: 60_000 },
    wrap: (inner) => {
      const save = inner.save.bind(inner);
      inner.save = () => (failures-- > 0 ? Promise.reject(new UnavailableError('disk is busy')) : save());
      return inner;
    },
  });
  try {
    const names = ['a.txt', 'b.txt', 'c.txt'];
    for (const [i, n] of names.entries()) await s.enqueue(n, note(i));
    const sub = await s.consume();
    const finals = await s.settled(names);
    await sub.cancel();
    for (const n of names) assert.equal(finals.get(n)?.status, 'ready', n);
    const reader = await s.openFromDisk();
    for (const e of finals.values()) assert.ok(reader.hasDocument(e.documentId), e.name);
    await reader.close();
  } finally {
    await s.close();
  }
});

void test('a delete queued behind an upload in the same burst applies after it, and reports after its ready', { timeout: 30_000 }, async () => {
  const s = await setUp({ batch: { maxDocuments: 8, windowMs: 60_000 } });
  try {
    await s.enqueue('a.txt', note(1));
    const b = await s.enqueue('b.txt', note(2));
    await s.enqueueDelete('b.txt', b);
    await s.enqueue('c.txt', note(3));
    const sub = await s.consume();
    await s.settled(['a.txt', 'b.txt', 'c.txt']);
    while (!s.events.some((e) => e.status === 'deleted')) await new Promise((r) => setTimeout(r, 5));
    await sub.cancel();
    const order = s.events.filter((e) => e.name === 'b.txt' && e.status !== 'processing').map((e) => e.status);
    assert.deepEqual(order, ['ready', 'deleted']);
    const reader = await s.openFromDisk();
    assert.equal(reader.hasDocument(b), false, 'the deleted document is not in the version on disk');
    assert.equal(reader.size, s.store.size);
    assert.equal(s.store.hasDocument(b), false);
    await reader.close();
  } finally {
    await s.close();
  }
});
