/**
 * OCR of scans and images (src/ingest/ocr/), with real files made here from known text
 * (tests/support/make-scan.ts) and the system's tesseract and poppler: a scanned PDF, a mixed PDF,
 * a PNG, a JPEG and a multi-page TIFF are read with their words, page numbers and the `ocr` mark;
 * hostile images are refused from their header without any OCR program running; the parse
 * child's time budget grows per recognised page; and a parse that is given up or times out leaves
 * no tesseract running.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../../src/contracts/ingest.ts';
import { OCR_NOTE, type Source } from '../../src/contracts/source.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { parseIsolated } from '../../src/ingest/isolated-parser.ts';
import { checkImageLimits, readImageInfo } from '../../src/ingest/ocr/image-header.ts';
import { DEFAULT_OCR_OPTIONS } from '../../src/ingest/ocr/ocr-options.ts';
import { renderDpi } from '../../src/ingest/ocr/pdf-page-ocr.ts';
import { checkOcrLanguages } from '../../src/ingest/ocr/tesseract.ts';
import { createChunker } from '../../src/ingest/chunker.ts';
import { ParseChildProcess } from '../../src/ingest/parse-child-process.ts';
import { parseDocument } from '../../src/ingest/parse-document.ts';
import { ingestDocument, type IngestProgress } from '../../src/ingest/pipeline.ts';
import type { PassageView } from '../../src/ports/passage-service.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { progressLabel } from '../../templates/document-list.ts';
import { passagePage } from '../../templates/chat-passage.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';
import { makePdf } from '../support/make-pdf.ts';
import { mixedPdf, multiPageTiff, renderGray, renderImage, scannedPdf, stack, type Gray } from '../support/make-scan.ts';

const LIGHTHOUSE = 'The lighthouse keeper climbs ninety stairs every evening.';
const FERRIES = 'Ferries leave the harbour every hour in summer.';
const PILOTS = 'Harbour pilots board ships near the breakwater.';

/** Lower-case words of a text, for "the recognised text contains the known words". */
const words = (t: string): string[] => t.toLowerCase().match(/[a-z]+/g) ?? [];
function assertWords(text: string, truth: string): void {
  const seen = new Set(words(text));
  const missing = words(truth).filter((w) => !seen.has(w));
  assert.deepEqual(missing, [], `recognised: ${JSON.stringify(text)}`);
}

void test('a scanned PDF (images only, no text layer) is read by OCR page by page, each page marked and announced', async () => {
  const announced: string[] = [];
  const doc = await parseDocument(scannedPdf([LIGHTHOUSE, FERRIES]), 'application/pdf', { onRecognise: (p, n) => announced.push(`${p}/${n}`) });
  assert.equal(doc.pageCount, 2);
  assert.deepEqual(doc.pages.map((p) => [p.page, p.ocr]), [[1, true], [2, true]]);
  assertWords(doc.pages[0]!.text, LIGHTHOUSE);
  assertWords(doc.pages[1]!.text, FERRIES);
  assert.deepEqual(announced, ['1/2', '2/2']);
  // The mark reaches the passages (and from them the sources).
  const chunks = await createChunker({ documentId: 'd'.repeat(64), documentName: 'scan.pdf', mediaType: 'application/pdf' }, { size: 1000, overlap: 100 })(doc.pages);
  assert.ok(chunks.length >= 2 && chunks.every((c) => c.ocr === true && c.page !== null));
});

void test('a mixed PDF keeps the text layer of its text page and reads only the scanned page by OCR', async () => {
  const announced: number[] = [];
  const pdf = mixedPdf(['Tide tables are printed on page one.', ...renderGray(makePdf([PILOTS]))]);
  const doc = await parseDocument(pdf, 'application/pdf', { onRecognise: (p) => announced.push(p) });
  assert.deepEqual(doc.pages[0], { page: 1, text: 'Tide tables are printed on page one.' });
  assert.equal(doc.pages[1]!.page, 2);
  assert.equal(doc.pages[1]!.ocr, true);
  assertWords(doc.pages[1]!.text, PILOTS);
  assert.deepEqual(announced, [2], 'only the page without text is recognised');
  // A scanned page with nothing written on it: read, and found empty.
  const blank = { width: 850, height: 1100, pixels: Buffer.alloc(850 * 1100, 255) };
  await assert.rejects(parseDocument(mixedPdf([blank]), 'application/pdf'), /^InvalidInputError: the PDF has no text: no page has a text layer, and OCR recognised none on its 1 page \(languages OCR_LANGUAGES=eng\)$/);
  // Short text pages and blank pages without an image keep their text (no OCR).
  const short = await parseDocument(makePdf(['first page', '', 'second page']), 'application/pdf', { onRecognise: () => assert.fail('nothing to recognise') });
  assert.deepEqual(short.pages, [{ page: 1, text: 'first page' }, { page: 3, text: 'second page' }]);
});

void test('PNG and JPEG images are read by OCR; a multi-page TIFF gives one page per TIFF page', async () => {
  const png = await parseDocument(renderImage(makePdf([LIGHTHOUSE]), 'png'), 'image/png');
  assert.equal(png.pages.length, 1);
  assert.equal(png.pages[0]!.page, null, 'a single image has no page number');
  assert.equal(png.pages[0]!.ocr, true);
  assertWords(png.pages[0]!.text, LIGHTHOUSE);

  const jpeg = await parseDocument(renderImage(makePdf([FERRIES]), 'jpeg'), 'image/jpeg');
  assertWords(jpeg.pages[0]!.text, FERRIES);

  const announced: string[] = [];
  const tiff = multiPageTiff(renderGray(makePdf([LIGHTHOUSE, FERRIES, PILOTS]), 200), 200);
  const doc = await parseDocument(tiff, 'image/tiff', { onRecognise: (p, n) => announced.push(`${p}/${n}`) });
  assert.equal(doc.pageCount, 3);
  assert.deepEqual(doc.pages.map((p) => p.page), [1, 2, 3]);
  [LIGHTHOUSE, FERRIES, PILOTS].forEach((truth, i) => assertWords(doc.pages[i]!.text, truth));
  assert.deepEqual(announced, ['1/3', '2/3', '3/3']);
});

/** Image headers claiming 50,000 x 50,000 pixels (2.5 gigapixels), each a few dozen bytes. */
function hostileHeaders(): Record<string, Buffer> {
  const png = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).copy(png);
  png.write('IHDR', 12, 'latin1');
  png.writeUInt32BE(50_000, 16);
  png.writeUInt32BE(50_000, 20);
  png.set([8, 0, 0, 0, 0], 24);
  // SOI, APP0 (16 bytes), SOF0 with height and width 50,000.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...Buffer.alloc(14), 0xff, 0xc0, 0, 11, 8, 0xc3, 0x50, 0xc3, 0x50, 1, 1, 0x11, 0]);
  const webp = Buffer.alloc(30);
  webp.write('RIFF', 0, 'latin1');
  webp.writeUInt32LE(22, 4);
  webp.write('WEBPVP8X', 8, 'latin1');
  webp.writeUInt32LE(10, 16);
  webp.writeUIntLE(50_000 - 1, 24, 3);
  webp.writeUIntLE(50_000 - 1, 27, 3);
  const tiff = Buffer.alloc(8 + 2 + 2 * 12 + 4);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(2, 8);
  [[256, 50_000], [257, 50_000]].forEach(([tag, v], i) => {
    tiff.writeUInt16LE(tag!, 10 + i * 12);
    tiff.writeUInt16LE(4, 12 + i * 12);
    tiff.writeUInt32LE(1, 14 + i * 12);
    tiff.writeUInt32LE(v!, 18 + i * 12);
  });
  return { 'image/png': png, 'image/jpeg': jpeg, 'image/webp': webp, 'image/tiff': tiff };
}

void test('an image of 50,000 x 50,000 pixels is refused from its header, before any OCR program runs', async () => {
  const small = renderImage(makePdf(['x']), 'png', 50);
  const savedPath = process.env.PATH;
  // With no programs to be found, anything that tried to decode or recognise would fail otherwise.
  process.env.PATH = '/nonexistent';
  try {
    for (const [type, bytes] of Object.entries(hostileHeaders())) {
      assert.deepEqual(readImageInfo(bytes, 10).pages, [{ width: 50_000, height: 50_000 }], type);
      const started = performance.now();
      await assert.rejects(
        parseDocument(bytes, type as 'image/png'),
        (e: unknown) => e instanceof InvalidInputError && e.code === 'image_too_large' && /is 50,000 x 50,000 pixels, more than the 100 megapixels Docent reads \(limit OCR_MAX_PIXELS\)/.test(e.message),
        type,
      );
      assert.ok(performance.now() - started < 1000, `${type} refused at once`);
    }
    // Whereas an ordinary image does reach tesseract, which is missing here: said so, with the package.
    await assert.rejects(parseDocument(small, 'image/png'), /^Error: tesseract is not installed: install tesseract-ocr .* or set OCR=off$|tesseract is not installed: install tesseract-ocr/);
  } finally {
    process.env.PATH = savedPath;
  }
  // The limit is a setting.
  assert.throws(() => checkImageLimits({ type: 'image/png', pages: [{ width: 2000, height: 2000 }] }, { maxPixels: 3_000_000, maxPages: 10 }), /limit OCR_MAX_PIXELS/);
  assert.doesNotThrow(() => checkImageLimits({ type: 'image/png', pages: [{ width: 2000, height: 2000 }] }, { maxPixels: 5_000_000, maxPages: 10 }));
  // A poster-sized PDF page is rendered at a lower resolution that fits the limit.
  assert.equal(renderDpi(612, 792, 100_000_000), 300);
  const dpi = renderDpi(72 * 200, 72 * 200, 100_000_000);
  assert.ok(dpi === 50, `200-inch page at ${dpi} dpi`);
});

void test('a TIFF with more pages than OCR_MAX_PAGES is refused from its header; damaged headers are named', async () => {
  const tiny = { width: 8, height: 8, pixels: Buffer.alloc(64, 255) };
  const tiff = multiPageTiff(Array.from({ length: 6 }, () => tiny));
  assert.equal(readImageInfo(tiff, 100).pages.length, 6);
  await assert.rejects(
    parseDocument(tiff, 'image/tiff', { ocr: { ...DEFAULT_OCR_OPTIONS, maxPages: 5 } }),
    (e: unknown) => e instanceof InvalidInputError && /more than 5 pages \(limit OCR_MAX_PAGES\)/.test(e.message),
  );
  // A page list that loops back on itself.
  const loop = Buffer.from(multiPageTiff([tiny]));
  const ifdCount = loop.readUInt16LE(8);
  loop.writeUInt32LE(8, 10 + ifdCount * 12);
  assert.throws(() => readImageInfo(loop, 100), /the TIFF image is damaged \(its page list loops\)/);
  assert.throws(() => readImageInfo(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 100), /the PNG image is damaged/);
  assert.throws(() => readImageInfo(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 100), /the JPEG image is damaged \(no frame header\)/);
  // OCR off: images are refused with the setting named.
  await assert.rejects(parseDocument(renderImage(makePdf(['x']), 'png', 50), 'image/png', { ocr: { ...DEFAULT_OCR_OPTIONS, enabled: false } }), /OCR=off/);
});

void test('OCR_LANGUAGES is checked against the installed Tesseract languages with a clear message', async () => {
  await checkOcrLanguages('eng');
  await assert.rejects(checkOcrLanguages('eng+xyz'), /OCR_LANGUAGES: Tesseract has no data for "xyz" \(installed: .*eng.*\); install tesseract-ocr-xyz or change OCR_LANGUAGES/);
});

void test('the passage view and the sources say when a passage was recognised by OCR', () => {
  const source: Source = { n: 1, documentId: 'd', documentName: 'scan.pdf', page: 2, text: 'pilots', score: 0.9, chunkId: 'd:0', ocr: true };
  const view = { document: { id: 'd', name: 'scan.pdf' }, source, before: '', passage: 'pilots', after: '', located: true } as unknown as PassageView;
  assert.ok(String(passagePage(view)).includes(OCR_NOTE));
  const plain = { ...view, source: { ...source, ocr: undefined } } as unknown as PassageView;
  assert.ok(!String(passagePage(plain)).includes(OCR_NOTE));
});

/** Pids of the tesseract processes whose parent is `ppid` (from /proc). */
function tesseractsOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === 'tesseract' && Number(fields[1]) === ppid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether a process is still running (not gone, not a zombie). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/**
 * Dense pages, each four letter pages of text tall (8.5 x 44 inches, 34 megapixels at 300 dpi):
 * tesseract needs many seconds for each, so it is surely running when the parse ends.
 */
const densePage = (): Gray => {
  const text = (q: number): string => Array.from({ length: 45 }, (_, i) => `Part ${q} line ${i}: ${LIGHTHOUSE} ${FERRIES}`).join('\n');
  return stack(renderGray(makePdf([0, 1, 2, 3].map(text))));
};

void test('a parse given up while tesseract runs (its consumer failed) leaves no tesseract running', async () => {
  const handle = new ParseChildProcess('application/pdf');
  const childPid = handle.process.pid!;
  let seen: number[] = [];
  // A text page first, handed over at once; then a dense scanned page.
  const parse = parseIsolated(mixedPdf(['Tide tables are printed on page one.', densePage()]), 'application/pdf', { child: handle, timeoutMs: 120_000 }, undefined, async () => {
    // The first page arrived; the child goes on with the next: wait for its tesseract, then give up.
    assert.ok(await until(() => (seen = tesseractsOf(childPid)).length > 0, 60_000), 'a tesseract started for the next page');
    throw new Error('the consumer gave up');
  });
  await assert.rejects(parse, /the consumer gave up/);
  assert.ok(seen.length > 0);
  assert.ok(await until(() => seen.every((pid) => !running(pid)), 500), `tesseract ${seen.join(', ')} still running after the parse was given up`);
});

void test('a parse that times out during OCR leaves no tesseract running', async () => {
  const handle = new ParseChildProcess('application/pdf');
  const childPid = handle.process.pid!;
  let seen: number[] = [];
  const watcher = setInterval(() => {
    const now = tesseractsOf(childPid);
    if (now.length > 0) seen = now;
  }, 20);
  // 1 s of parse time and 3 s more per page, less than a dense page takes to recognise here: the
  // parent's budget (4 s) or the page's own limit (3 s after tesseract started) ends it, whichever first.
  const tight = { ...DEFAULT_OCR_OPTIONS, pageTimeoutMs: 3000 };
  let started = 0;
  try {
    started = performance.now();
    await assert.rejects(
      parseIsolated(mixedPdf([densePage(), densePage()]), 'application/pdf', { child: handle, timeoutMs: 1000, ocr: tight }),
      (e: unknown) => e instanceof InvalidInputError && /the parser stopped after 4 s \(1 s \+ 3 s for each of 1 pages read by OCR\)|took longer than 3 s \(limit OCR_PAGE_TIMEOUT_MS\)/.test(e.message),
    );
  } finally {
    clearInterval(watcher);
  }
  assert.ok(seen.length > 0, 'tesseract was running');
  assert.ok(await until(() => seen.every((pid) => !running(pid)), 500), `tesseract ${seen.join(', ')} still running after the timeout`);
  assert.ok(performance.now() - started < 60_000);
});

void test('the parse time budget grows by OCR_PAGE_TIMEOUT_MS per recognised page: 1 s of PARSE_TIMEOUT_MS reads a two-page scan', async () => {
  const phases: string[] = [];
  const doc = await parseIsolated(scannedPdf([LIGHTHOUSE, FERRIES]), 'application/pdf', { timeoutMs: 1000, ocr: { ...DEFAULT_OCR_OPTIONS, pageTimeoutMs: 60_000 } }, (done, total, stage) => phases.push(`${stage ?? 'parsing'} ${done}/${total}`));
  assert.deepEqual(doc.pages.map((p) => p.ocr), [true, true]);
  assert.ok(phases.includes('recognising 1/2') && phases.includes('recognising 2/2'), phases.join(', '));
});

void test('ingesting a two-page TIFF: the documents page shows "recognising page i/n" and the indexed passages are marked OCR', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-ocr-ingest-'));
  const embedder = createFakeEmbedder();
  const chunking = { size: 200, overlap: 30, embedBatch: 4 };
  const store = await openFaissStore({
    dir: path.join(dir, 'vectorstore'),
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: chunking.size, chunkOverlap: chunking.overlap },
  });
  try {
    const bytes = multiPageTiff(renderGray(makePdf([LIGHTHOUSE, FERRIES]), 200), 200);
    const documentId = createHash('sha256').update(bytes).digest('hex');
    const storedPath = path.join(dir, documentId);
    fs.writeFileSync(storedPath, bytes);
    const progress: IngestProgress[] = [];
    const job: IngestJob = { v: INGEST_CONTRACT_VERSION, id: 'job-ocr', documentId, storedPath, name: 'scan.tif', mediaType: 'image/tiff', size: bytes.length };
    const result = await ingestDocument(job, { embedder, store, chunking, onProgress: (p) => progress.push(p) });
    assert.equal(result.pages, 2);
    const labels = progress.filter((p) => p.stage === 'recognising').map((p) => progressLabel(p).replace(/ · \d+%$/, ''));
    assert.ok(labels.includes('recognising page 1/2') && labels.includes('recognising page 2/2'), labels.join(', '));
    const hits = await store.search(await embedder.embedQuery(FERRIES), 10);
    assert.ok(hits.length >= 2);
    assert.ok(hits.every((h) => h.ocr === true && (h.page === 1 || h.page === 2)));
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
