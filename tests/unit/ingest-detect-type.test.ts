/** Media-type detection by content: what is accepted, and what is refused with which message. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { makePdf } from '../support/make-pdf.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

function refused(bytes: Uint8Array, name: string, pattern: RegExp): void {
  assert.throws(
    () => detectMediaType(bytes, name),
    (err: unknown) => {
      assert.ok(err instanceof InvalidInputError, 'an InvalidInputError');
      assert.match(err.message, pattern);
      assert.equal(err.retryable, false);
      return true;
    },
  );
}

void test('a PDF is recognised by its %PDF- header, whatever its name', () => {
  assert.equal(detectMediaType(makePdf(['hello']), 'report.pdf'), 'application/pdf');
  assert.equal(detectMediaType(makePdf(['hello']), 'no-extension'), 'application/pdf');
});

void test('UTF-8 text is plain text, or Markdown when named .md/.markdown', () => {
  assert.equal(detectMediaType(fixture('bakery-notes.txt'), 'bakery-notes.txt'), 'text/plain');
  assert.equal(detectMediaType(fixture('harbour-guide.md'), 'harbour-guide.md'), 'text/markdown');
  assert.equal(detectMediaType(fixture('harbour-guide.md'), 'GUIDE.MARKDOWN'), 'text/markdown');
  assert.equal(detectMediaType(Buffer.from('Grüße, naïve café ☕\n'), 'notes'), 'text/plain');
});

void test('GIF bytes are refused as a GIF even when named .txt', () => {
  const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1');
  refused(gif, 'photo.txt', /looks like a GIF image; Docent accepts PDF \(scans too\), Word \(\.docx\), PowerPoint \(\.pptx\), Excel \(\.xlsx\), CSV, EPUB, OpenDocument text \(\.odt\), RTF, HTML, plain text, Markdown and images of text \(PNG, JPEG, TIFF, WebP\)/);
});

void test('PNG, JPEG, TIFF and WebP are recognised by their magic bytes, whatever their name (read by OCR)', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  assert.equal(detectMediaType(png, 'photo.txt'), 'image/png');
  assert.equal(detectMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), 'scan'), 'image/jpeg');
  assert.equal(detectMediaType(Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]), 'fax.tif'), 'image/tiff');
  assert.equal(detectMediaType(Buffer.from([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8]), 'fax.tif'), 'image/tiff');
  assert.equal(detectMediaType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8X', 'latin1'), 'page.webp'), 'image/webp');
  // RIFF that is not WebP (a WAV file) is not an image.
  refused(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt \x00', 'latin1'), 'sound.wav', /looks like binary data/);
});

void test('a ZIP with word/ members but no word/document.xml is named as Word; a plain ZIP as a ZIP', () => {
  const zipHeader = [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0];
  const docx = Buffer.concat([Buffer.from(zipHeader), Buffer.alloc(20), Buffer.from('[Content_Types].xml'), Buffer.alloc(40), Buffer.from('word/styles.xml')]);
  refused(docx, 'letter.docx', /looks like a ZIP\/Word \(\.docx\) file/);
  const zip = Buffer.concat([Buffer.from(zipHeader), Buffer.alloc(20), Buffer.from('photos/a.jpg')]);
  refused(zip, 'archive.zip', /looks like a ZIP archive/);
});

void test('binary data with NUL bytes or invalid UTF-8 is refused', () => {
  refused(Buffer.from([0x01, 0x02, 0x00, 0x03, 0x41]), 'data.bin', /looks like binary data/);
  refused(Buffer.from([0x41, 0xc3, 0x28, 0x41]), 'latin.txt', /looks like binary data/);
});

void test('an empty file is refused as empty', () => {
  refused(new Uint8Array(0), 'empty.txt', /^the file is empty$/);
});

void test('a PDF cut short or with only a PDF header is refused as damaged', () => {
  const whole = makePdf(['hello', 'world']);
  refused(whole.subarray(0, Math.floor(whole.length / 2)), 'half.pdf', /damaged or incomplete/);
  refused(Buffer.from('%PDF-1.7\nthis is not really a pdf\n'), 'fake.pdf', /damaged or incomplete/);
  assert.equal(detectMediaType(Buffer.concat([whole, Buffer.from('\n\ntrailing junk\n')]), 'junk.pdf'), 'application/pdf');
});
