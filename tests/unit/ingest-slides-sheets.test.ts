/** PowerPoint, Excel and CSV on real files made here: detection by content, text, pages and sections. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PPTX_MEDIA_TYPE, XLSX_MEDIA_TYPE } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { chunkDocument } from '../../src/ingest/chunker.ts';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { parseCsv, sniffDelimiter } from '../../src/ingest/parse-csv.ts';
import { parsePptx } from '../../src/ingest/parse-pptx.ts';
import { parseXlsx } from '../../src/ingest/parse-xlsx.ts';
import { TABLE_PASSAGE_CHARS } from '../../src/ingest/table-passages.ts';
import { kindOfFormat } from '../../src/ingest/xlsx-values.ts';
import { makePptx } from '../support/make-pptx.ts';
import { makeXlsx } from '../support/make-xlsx.ts';

const sectionPaths = (doc: { pages: Array<{ sections?: Array<{ path: string }> }> }) => doc.pages.map((p) => p.sections?.[0]?.path);
const locations = (doc: { pages: Array<{ location?: string }> }) => doc.pages.map((p) => p.location);
const invalid = (pattern: RegExp) => (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message);

void test('a .pptx is read slide by slide in presentation order, notes included, each slide a page named after it', async () => {
  const pptx = await makePptx(
    [
      { title: 'Harbour project', body: ['Kick-off in March'] },
      { title: 'Budget', body: ['Dredging: 1.2M', 'Lighting: 0.3M'], notes: ['Mention the grant from the port authority'] },
      { body: [] },
      { title: 'Timeline', table: [['Phase', 'Ends'], ['Survey', 'June']] },
    ],
    [3, 1, 4, 2], // file names out of order: presentation.xml decides
  );
  assert.equal(detectMediaType(pptx, 'deck.bin'), PPTX_MEDIA_TYPE);
  const doc = await parsePptx(pptx);
  assert.equal(doc.pageCount, 4);
  assert.deepEqual(doc.pages.map((p) => p.page), [1, 2, 4], 'the slide without text is left out, numbers kept');
  assert.deepEqual(locations(doc), ['slide 1', 'slide 2', 'slide 4']);
  assert.deepEqual(sectionPaths(doc), ['Harbour project', 'Budget', 'Timeline'], 'the title is the section within the slide');
  assert.equal(doc.pages[1]!.text, 'Budget\n\nDredging: 1.2M\nLighting: 0.3M\n\nSpeaker notes:\nMention the grant from the port authority');
  assert.equal(doc.pages[2]!.text, 'Timeline\n\nPhase\nEnds\nSurvey\nJune');
  assert.doesNotMatch(doc.pages.map((p) => p.text).join('\n'), /^\d$/m, 'slide numbers are left out');
  const chunks = await chunkDocument({ documentId: 'd', documentName: 'deck.pptx', mediaType: PPTX_MEDIA_TYPE }, doc, { size: 1000, overlap: 100 });
  assert.equal(chunks.find((c) => c.text.includes('grant'))!.page, 2);
  assert.equal(chunks.find((c) => c.text.includes('grant'))!.headingPath, 'Budget');
  assert.equal(chunks.find((c) => c.text.includes('grant'))!.location, 'slide 2');
});

void test('a presentation with no text anywhere is refused with a reason', async () => {
  await assert.rejects(parsePptx(await makePptx([{ body: [] }])), invalid(/has no text on its slides or in its notes/));
});

void test('a .xlsx is read sheet by sheet, each row with its header, values of every kind, pages naming sheet and rows', async () => {
  const xlsx = await makeXlsx([
    {
      name: 'Revenue',
      dimension: 'A1:XFD1048576', // stated, never used to size anything
      rows: [
        ['Region', 'Q3 revenue', 'Closed', 'Reported', 'Margin', 'Note'],
        ['North', 1200000, true, { date: new Date(Date.UTC(2024, 8, 30)) }, { percent: 0.125 }, { inline: 'record quarter' }],
        ['South', 0.1 + 0.2, false, { date: new Date(Date.UTC(2024, 9, 1, 14, 30)), time: true }, null, { formula: 'A3&"!"', value: 'South!' }],
        [null, null, null, null, null, null],
        ['East', 950000, null, null, null, null],
      ],
    },
    { name: 'Staff', rows: [['Name', 'Role'], ['Ada', 'Engineer']] },
  ]);
  assert.equal(detectMediaType(xlsx, 'sheet.bin'), XLSX_MEDIA_TYPE);
  const doc = await parseXlsx(xlsx);
  assert.deepEqual(locations(doc), ['Revenue, rows 2-3', 'Revenue, row 5', 'Staff, row 2']);
  assert.deepEqual(sectionPaths(doc), [undefined, undefined, undefined], 'no section: the sheet and rows are the location');
  assert.deepEqual(doc.pages.map((p) => p.page), [1, 2, 3]);
  assert.equal(doc.pageCount, null, 'passages are numbered, but a workbook has no pages to count');
  assert.equal(
    doc.pages.slice(0, 2).map((p) => p.text).join('\n'),
    [
      'Region: North, Q3 revenue: 1200000, Closed: TRUE, Reported: 2024-09-30, Margin: 12.5%, Note: record quarter',
      'Region: South, Q3 revenue: 0.3, Closed: FALSE, Reported: 2024-10-01 14:30, Note: South!',
      'Region: East, Q3 revenue: 950000',
    ].join('\n'),
  );
  assert.equal(doc.pages[2]!.text, 'Name: Ada, Role: Engineer');
});

void test('short rows are grouped into pages of up to TABLE_PASSAGE_CHARS characters, never split, each naming its rows', async () => {
  const rows = [['Id', 'City', 'Population']].concat(Array.from({ length: 60 }, (_, i) => [`${i + 1}`, `Town number ${i + 1}`, `${1000 + i}`]));
  const doc = await parseXlsx(await makeXlsx([{ name: 'Towns', rows }]));
  assert.ok(doc.pages.length > 3, `${doc.pages.length} pages`);
  let next = 2;
  for (const page of doc.pages) {
    assert.ok(page.text.length <= TABLE_PASSAGE_CHARS, `${page.text.length} characters`);
    assert.ok(page.text.split('\n').length >= 2, 'short rows share a page');
    const lines = page.text.split('\n');
    assert.equal(page.location, `Towns, rows ${next}-${next + lines.length - 1}`);
    lines.forEach((line, k) => assert.equal(line, `Id: ${next + k - 1}, City: Town number ${next + k - 1}, Population: ${1000 + next + k - 2}`));
    next += lines.length;
  }
  assert.equal(next, 62, 'every row once');
  const chunks = await chunkDocument({ documentId: 'd', documentName: 't.xlsx', mediaType: XLSX_MEDIA_TYPE }, doc, { size: 1000, overlap: 150 });
  assert.equal(chunks.length, doc.pages.length, 'one chunk per group: rows are never cut or shared between chunks');
});

void test('Excel date formats: built-in and custom codes, quoted text and colours ignored', () => {
  assert.equal(kindOfFormat('yyyy-mm-dd'), 'date');
  assert.equal(kindOfFormat('d/m/yy h:mm'), 'datetime');
  assert.equal(kindOfFormat('[h]:mm:ss'), 'time');
  assert.equal(kindOfFormat('mm:ss'), 'time');
  assert.equal(kindOfFormat('#,##0.00 "days"'), 'number');
  assert.equal(kindOfFormat('[Red]0.00'), 'number');
  assert.equal(kindOfFormat('0.0%'), 'percent');
  assert.equal(kindOfFormat('mmm yyyy'), 'date');
});

void test('the 1904 date system is honoured', async () => {
  const doc = await parseXlsx(await makeXlsx([{ name: 'S', rows: [['When'], [{ date: new Date(Date.UTC(2020, 1, 29)) }]] }], { date1904: true }));
  assert.equal(doc.pages[0]!.text, 'When: 2020-02-29');
});

void test('CSV: RFC 4180 quoting, a BOM, CRLF, and the delimiter sniffed (comma, semicolon, tab)', () => {
  const csv = Buffer.from('\uFEFFRegion,Q3 revenue,Comment\r\nNorth,1.2M,"Best, so far"\r\n"South ""Coast""",0.8M,"two\r\nlines"\r\n\r\nWest,,none\r\n');
  assert.equal(detectMediaType(csv, 'sales.csv'), 'text/csv');
  assert.equal(detectMediaType(csv, 'sales.txt'), 'text/plain', 'CSV is told from text by its name only');
  const doc = parseCsv(csv);
  assert.equal(doc.pages[0]!.text, 'Region: North, Q3 revenue: 1.2M, Comment: Best, so far\nRegion: South "Coast", Q3 revenue: 0.8M, Comment: two lines\nRegion: West, Comment: none');
  assert.equal(doc.pages[0]!.location, 'rows 2-5');
  assert.equal(sniffDelimiter('a;b;c\n1,5;2,5;3\n4;5;6\n'), ';');
  assert.equal(sniffDelimiter('a\tb\n1\t2\n'), '\t');
  assert.equal(sniffDelimiter('name,comment\nx,"a; b; c"\n'), ',');
  assert.equal(parseCsv(Buffer.from('Land;Hauptstadt\nDeutschland;Berlin\n')).pages[0]!.text, 'Land: Deutschland, Hauptstadt: Berlin');
});

void test('CSV that is not UTF-8 or has no values is refused with a reason', () => {
  assert.throws(() => parseCsv(Buffer.from([0x61, 0x2c, 0xe9, 0x0a])), invalid(/not UTF-8 text \(save it as "CSV UTF-8"/));
  assert.throws(() => parseCsv(Buffer.from(',,\n,,\n')), invalid(/has no values/));
});
