/**
 * Isolated parsing: the real parse child on real files (HTML page, generated .docx, Markdown,
 * PDF), and a test-only misbehaving child (tests/support/misbehaving-parse-child.ts) that hangs,
 * crashes or runs out of memory. Each costs one job, which ends `failed` with a reason, and the
 * ingest worker's handler goes on to ingest the next job.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { DOCX_MEDIA_TYPE, INGEST_CONTRACT_VERSION, ingestEventSchema, type IngestEvent, type MediaType } from '../../src/contracts/ingest.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { isolatedParser, parseIsolated } from '../../src/ingest/isolated-parser.ts';
import { createIngestHandler } from '../../src/ingest/job-handler.ts';
import { logger } from '../../src/log.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { makeDocx } from '../support/make-docx.ts';
import { makePdf } from '../support/make-pdf.ts';
import { retryPolicy } from '../support/retry-policy.ts';
import { storesOver } from '../support/collection-stores.ts';

const fixture = (name: string) => fs.readFile(new URL(`../fixtures/${name}`, import.meta.url));
const MISBEHAVING = fileURLToPath(new URL('../support/misbehaving-parse-child.ts', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

void test('the real parse child reads an HTML page, a .docx, Markdown and a PDF', async () => {
  const page = await parseIsolated(await fixture('lighthouse-page.html'), 'text/html');
  assert.equal(page.title, 'Lighthouse visits & opening hours');
  assert.match(page.pages[0]!.text, /last climb starts at 17:15/);
  assert.doesNotMatch(page.pages[0]!.text, /SHOULD-NOT-APPEAR/);
  assert.ok(page.pages[0]!.sections!.some((s) => s.path === 'Visiting the lighthouse > Opening hours > Summer'));

  const docx = await parseIsolated(makeDocx(['Ferry timetable', 'Boats leave every hour.']), DOCX_MEDIA_TYPE);
  assert.equal(docx.pages[0]!.text, 'Ferry timetable\n\nBoats leave every hour.');

  const md = await parseIsolated(await fixture('harbour-guide.md'), 'text/markdown');
  assert.ok((md.pages[0]!.sections ?? []).length > 0, 'Markdown headings come back as sections');

  const pdf = await parseIsolated(makePdf(['first page', 'second page']), 'application/pdf');
  assert.deepEqual(pdf.pages.map((p) => p.page), [1, 2]);
  // The parser's own refusals travel back unchanged and stay non-retryable.
  await assert.rejects(parseIsolated(makePdf(['']), 'application/pdf'), (e: unknown) => e instanceof InvalidInputError && /no extractable text \(no page has a text layer or a scanned image\)/.test(e.message));
  await assert.rejects(parseIsolated(makePdf(['x'], { passwordProtected: true }), 'application/pdf'), (e: unknown) => e instanceof InvalidInputError && /password-protected/.test(e.message));
});

void test('a hanging, crashing or memory-hungry parser fails only its own parse, with a reason', async () => {
  const opts = { entry: MISBEHAVING, timeoutMs: 2000, maxMemoryMb: 64 };
  await assert.rejects(parseIsolated(Buffer.from('HANG forever'), 'text/plain', opts), (e: unknown) => e instanceof InvalidInputError && e.message.startsWith('the parser stopped after 2 s'));
  await assert.rejects(parseIsolated(Buffer.from('CRASH now'), 'text/plain', { ...opts, timeoutMs: 30_000 }), (e: unknown) => e instanceof InvalidInputError && /^the parser crashed: .*boom in the parser/.test(e.message));
  await assert.rejects(parseIsolated(Buffer.from('OOM please'), 'text/plain', { ...opts, timeoutMs: 60_000 }), (e: unknown) => e instanceof InvalidInputError && /ran out of memory \(limit 64 MB\)/.test(e.message));
  // The same child program still parses ordinary files.
  const ok = await parseIsolated(Buffer.from('ordinary notes'), 'text/plain', opts);
  assert.equal(ok.pages[0]!.text, 'ordinary notes');
});

void test('the ingest worker fails a job whose parser hangs or crashes and then ingests the next job', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-isolated-'));
  dirs.push(dir);
  const bus = createMemoryMessageBus();
  const embedder = createFakeEmbedder();
  const chunking = { size: 200, overlap: 30, embedBatch: 8 };
  const store = await openFaissStore({
    dir: path.join(dir, 'vectorstore'),
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
  const finals: IngestEvent[] = [];
  const done = new Map<string, () => void>();
  await bus.subscribe(EXCHANGES.ingestEvents, (body) => {
    const e = ingestEventSchema.parse(body);
    if (e.status === 'ready' || e.status === 'failed') {
      finals.push(e);
      done.get(e.name)?.();
    }
  });
  const parser = isolatedParser({ entry: MISBEHAVING, timeoutMs: 2000, maxMemoryMb: 64 });
  const handler = createIngestHandler({ bus, embedder, stores: storesOver(path.join(dir, 'vectorstore'), store), chunking, logger: logger('test'), parser });
  const sub = await bus.consume(QUEUES.ingestJobs, handler, { prefetch: 1, singleActive: true, retry: retryPolicy({ maxAttempts: 3 }) });
  try {
    const submit = async (name: string, content: string, mediaType: MediaType) => {
      const bytes = Buffer.from(content);
      const documentId = createHash('sha256').update(bytes).digest('hex');
      const storedPath = path.join(dir, documentId);
      await fs.writeFile(storedPath, bytes);
      const finished = new Promise<void>((resolve) => done.set(name, resolve));
      await bus.send(QUEUES.ingestJobs, { v: INGEST_CONTRACT_VERSION, id: `job-${name}`, documentId, storedPath, name, mediaType, size: bytes.length });
      return finished;
    };
    await Promise.all([
      submit('hang.txt', 'HANG in the parser', 'text/plain'),
      submit('crash.txt', 'CRASH in the parser', 'text/plain'),
      submit('guide.md', `# Ferry\n\n${'Crossings run all year. '.repeat(12)}\n\n## Timetable\n\nThe ferry to Saltmarsh leaves every hour from pier 3.\n`, 'text/markdown'),
    ]);
    const byName = new Map(finals.map((e) => [e.name, e]));
    assert.equal(byName.get('hang.txt')?.status, 'failed');
    assert.match(byName.get('hang.txt')?.error ?? '', /^the parser stopped after 2 s/);
    assert.equal(byName.get('crash.txt')?.status, 'failed');
    assert.match(byName.get('crash.txt')?.error ?? '', /^the parser crashed: /);
    assert.equal(byName.get('guide.md')?.status, 'ready');
    const hits = await store.search(await embedder.embedQuery('ferry pier timetable'), 5);
    const pier = hits.find((h) => h.text.includes('pier 3'));
    assert.equal(pier?.documentName, 'guide.md');
    assert.equal(pier.headingPath, 'Ferry > Timetable', 'the heading path travels through the index');
    assert.equal(finals.filter((e) => e.name === 'hang.txt').length, 1, 'a parser hang is not retried');
  } finally {
    await sub.cancel();
    await bus.close();
    await store.close();
  }
});
