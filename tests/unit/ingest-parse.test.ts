/** PDF and text parsers: page texts and numbers, and the messages for files that cannot be read. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../src/errors.ts';
import { DEFAULT_OCR_OPTIONS } from '../../src/ingest/ocr/ocr-options.ts';
import { parsePdf } from '../../src/ingest/parse-pdf.ts';
import { parseText } from '../../src/ingest/parse-text.ts';
import { makePdf } from '../support/make-pdf.ts';

/** Captured before anything here loads pdf.js (parse-pdf.ts imports it on first use). */
const nativePush = Array.prototype.push;

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InvalidInputError, `an InvalidInputError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

void test('a multi-page PDF gives each page its text and 1-based number; empty pages are left out', async () => {
  const pdf = makePdf(['The lighthouse was built in 1871.\nIt is 32 metres tall.', '', 'Ferries leave from the south pier (daily).']);
  const doc = await parsePdf(pdf);
  assert.equal(doc.pageCount, 3);
  assert.deepEqual(
    doc.pages.map((p) => p.page),
    [1, 3],
  );
  assert.match(doc.pages[0]!.text, /The lighthouse was built in 1871\.\s+It is 32 metres tall\./);
  assert.equal(doc.pages[1]!.text.trim(), 'Ferries leave from the south pier (daily).');
});

void test('reading a PDF leaves the native Array.prototype.push in place (pdf.js brings a slower one)', async () => {
  const pages = Array.from({ length: 40 }, (_, i) => `Page ${i + 1} of the harbour ledger.`);
  const doc = await parsePdf(makePdf(pages));
  assert.equal(doc.pages.length, 40);
  assert.equal(doc.pages[39]!.text.trim(), 'Page 40 of the harbour ledger.');
  // core-js dresses its replacement up as native code, so only identity tells them apart.
  assert.equal(Array.prototype.push, nativePush, 'Array.prototype.push was replaced while loading pdf.js');
  const xs: number[] = [];
  assert.equal(xs.push(1, 2, 3), 3);
});

void test('a corrupt PDF is refused with "could not be read"', async () => {
  const truncated = makePdf(['some text']).subarray(0, 60);
  await rejectsWith(parsePdf(truncated), /^the PDF could not be read \(.+\)$/);
  await rejectsWith(parsePdf(Buffer.from('%PDF-1.7\nthis is not really a pdf\n')), /^the PDF could not be read/);
});

void test('a PDF without any text or image is refused; with OCR off, with the scan message', async () => {
  await rejectsWith(parsePdf(makePdf(['', ''])), /^the PDF has no extractable text \(no page has a text layer or a scanned image\)$/);
  const off = { ...DEFAULT_OCR_OPTIONS, enabled: false };
  await rejectsWith(parsePdf(makePdf(['', '']), { ocr: off }), /^the PDF has no extractable text \(is it a scan\? OCR is turned off here: OCR=off\)$/);
});

void test('a password-protected PDF is refused with a clear message', async () => {
  await rejectsWith(parsePdf(makePdf(['secret'], { passwordProtected: true })), /password-protected/);
});

void test('text is one page with page = null, with CRLF and a BOM normalised', () => {
  const doc = parseText(Buffer.from('\uFEFFline one\r\nline two\r\n'));
  assert.deepEqual(doc, { pages: [{ page: null, text: 'line one\nline two\n' }], pageCount: null });
});

void test('text with only whitespace is refused', () => {
  assert.throws(() => parseText(Buffer.from(' \n\t\n')), /the file has no text/);
});
