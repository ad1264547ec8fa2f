/**
 * Hostile variants of the slide, spreadsheet, e-book, OpenDocument and RTF formats, each refused with
 * a reason a person can act on, in the real parse child: a zip bomb in every zip-based format
 * (stated sizes and lying ones), a spreadsheet of a million empty rows, one that states a gigantic
 * size, a cell beyond Excel's grid, a CSV with too many rows, and XML entity bombs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import JSZip from 'jszip';
import { XLSX_MEDIA_TYPE } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { parseIsolated } from '../../src/ingest/isolated-parser.ts';
import { CSV_MAX_ROWS, parseCsv } from '../../src/ingest/parse-csv.ts';
import { odtText } from '../../src/ingest/parse-odt.ts';
import { XLSX_MAX_ROWS, parseXlsx } from '../../src/ingest/parse-xlsx.ts';
import { assertZipWithinLimits } from '../../src/ingest/zip-limits.ts';
import { formatBomb } from '../support/make-bomb.ts';
import { makeXlsx } from '../support/make-xlsx.ts';

const refused = (code: string, pattern: RegExp) => (e: unknown) => e instanceof InvalidInputError && e.code === code && pattern.test(e.message);

for (const format of ['pptx', 'xlsx', 'epub', 'odt'] as const) {
  void test(`a .${format} zip bomb (1 GB in 1 MB) is detected as .${format} and refused in the parse child before it is unpacked`, async () => {
    const { zip, part } = formatBomb(format, 1024);
    assert.ok(zip.length < 2 * 2 ** 20);
    const type = detectMediaType(zip, `bomb.${format}`);
    const err = await parseIsolated(zip, type).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof InvalidInputError, String(err));
    assert.equal(err.message, `a part of this .${format} (${part}) unpacks to more than 256 MB; is it a zip bomb?`);
  });
}

void test('a bomb whose header states a small size is measured by inflating; one that states a huge size is refused without inflating', async () => {
  const liar = formatBomb('xlsx', 300, { lyingSize: true });
  await assert.rejects(assertZipWithinLimits(liar.zip, undefined, { ext: '.xlsx', document: 'the Excel workbook' }), refused('zip_bomb', /^a part of this \.xlsx \(xl\/worksheets\/sheet1\.xml\) unpacks to more than 256 MB/));
  // States 300 MB but holds a few bytes of deflate: refused from the directory alone (inflating would find it small).
  const honestHeader = formatBomb('pptx', 1);
  const dir = honestHeader.zip.lastIndexOf(Buffer.from('ppt/slides/slide1.xml')) - 46; // its central header
  honestHeader.zip.writeUInt32LE(300 * 2 ** 20, dir + 24);
  await assert.rejects(assertZipWithinLimits(honestHeader.zip, undefined, { ext: '.pptx', document: 'the PowerPoint presentation' }), refused('zip_bomb', /^a part of this \.pptx \(ppt\/slides\/slide1\.xml\) unpacks to more than 256 MB/));
});

void test('a spreadsheet of a million empty rows is refused in the parse child with the row limit', async () => {
  const xlsx = await makeXlsx([{ name: 'Formatted', sheetData: `<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>${'<row/>'.repeat(1_000_000)}` }]);
  const err = await parseIsolated(xlsx, XLSX_MEDIA_TYPE).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof InvalidInputError, String(err));
  assert.equal(err.code, 'too_large');
  assert.equal(err.message, `the Excel workbook has more than ${XLSX_MAX_ROWS.toLocaleString('en')} rows ("Formatted" reaches row 500,001); delete the empty rows and columns or split the workbook, then upload it again`);
});

void test('a gigantic stated dimension sizes nothing; a cell beyond the grid is refused as damaged', async () => {
  const huge = await makeXlsx([{ name: 'S', dimension: 'A1:XFD1048576', sheetData: '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>corner</t></is></c></row>' }]);
  const doc = await parseIsolated(huge, XLSX_MEDIA_TYPE);
  assert.equal(doc.pages.map((p) => p.text).join('|'), 'corner');
  assert.equal(doc.pages[0]!.location, 'S, row 1048576');
  const beyond = await makeXlsx([{ name: 'S', sheetData: '<row r="2000000"><c r="A2000000"><v>1</v></c></row>' }]);
  await assert.rejects(parseXlsx(beyond), refused('unreadable', /row number 2000000 in "S" is beyond Excel's grid; is the file damaged\?/));
});

void test(`a CSV of more than ${CSV_MAX_ROWS.toLocaleString('en')} rows is refused with the limit`, () => {
  assert.throws(() => parseCsv(Buffer.from(`a,b\n${'1,2\n'.repeat(CSV_MAX_ROWS)}`)), refused('too_large', /more than 500,000 rows; split it/));
});

void test('an EPUB without a package document is refused with a reason', async () => {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file('OEBPS/a.xhtml', '<html><body><p>x</p></body></html>');
  const epub = await zip.generateAsync({ type: 'nodebuffer' });
  assert.equal(detectMediaType(epub, 'book.epub'), 'application/epub+zip');
  await assert.rejects(parseIsolated(epub, 'application/epub+zip'), refused('unreadable', /^the EPUB e-book could not be read \(no META-INF\/container\.xml\)$/));
});

void test('XML entity bombs and external entities expand to nothing', () => {
  const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
  const xml = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY lol0 "lol">${lol}<!ENTITY secret SYSTEM "file:///etc/passwd">]><office:text><text:p>a &lol9; b &secret; c</text:p></office:text>`;
  const { text } = odtText(xml);
  assert.ok(text.length < 100, `${text.length} characters`);
  assert.match(text, /a &lol9; b &secret; c$/);
  assert.doesNotMatch(text, /root:/);
});
