/** HTML, Word and Markdown: detection by content, visible-text extraction, heading paths on chunks. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DOCX_MEDIA_TYPE } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { chunkDocument } from '../../src/ingest/chunker.ts';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { markdownSections } from '../../src/ingest/markdown-sections.ts';
import { parseDocx } from '../../src/ingest/parse-docx.ts';
import { parseHtml } from '../../src/ingest/parse-html.ts';
import { parseText } from '../../src/ingest/parse-text.ts';
import { makeDocx, makeZip } from '../support/make-docx.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const html = (s: string) => Buffer.from(s);

void test('HTML is recognised by its start or its head/body tags, never by its name', () => {
  assert.equal(detectMediaType(fixture('lighthouse-page.html'), 'page.txt'), 'text/html');
  assert.equal(detectMediaType(html('\uFEFF  <!-- c -->\n<html><p>x</p></html>'), 'x'), 'text/html');
  assert.equal(detectMediaType(html('<?xml version="1.0"?><!DOCTYPE html><p>x'), 'x'), 'text/html');
  assert.equal(detectMediaType(html('<div>hello</div><body>x</body>'), 'fragment'), 'text/html');
  // Markdown that shows markup in a sample stays Markdown; a page named .md is still HTML.
  assert.equal(detectMediaType(html('# Tags\n\n```\n<body>\n```\n'), 'tags.md'), 'text/markdown');
  assert.equal(detectMediaType(html('<!doctype html><title>t</title><p>x'), 'page.md'), 'text/html');
  assert.equal(detectMediaType(html('a < b and c > d'), 'maths.txt'), 'text/plain');
});

void test('a .docx is recognised as a ZIP holding word/document.xml, whatever its name', () => {
  const docx = makeDocx(['Hello']);
  assert.equal(detectMediaType(docx, 'letter.bin'), DOCX_MEDIA_TYPE);
  const xlsx = makeZip([{ name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') }]);
  assert.throws(() => detectMediaType(xlsx, 'sheet.docx'), /looks like a ZIP\/Excel/);
  const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(200), Buffer.from('EncryptedPackage', 'utf16le')]);
  assert.throws(() => detectMediaType(ole, 'secret.docx'), /password-protected Office document/);
});

void test('HTML: visible text only, entities decoded, blocks on their own lines, title first, headings as sections', () => {
  const doc = parseHtml(fixture('lighthouse-page.html'));
  const page = doc.pages[0]!;
  assert.equal(doc.title, 'Lighthouse visits & opening hours');
  assert.doesNotMatch(page.text, /SHOULD-NOT-APPEAR|font-family|window\.analytics/);
  assert.ok(page.text.startsWith('Lighthouse visits & opening hours\n\n'), page.text.slice(0, 60));
  assert.match(page.text, /Tickets cost €6 for adults — children under 12 go free\./);
  assert.match(page.text, /\nBus 14 from the harbour stops at the gate\.\nParking is free after 16:00\./);
  assert.match(page.text, /open to visitors from April to October\./, 'inline elements and newlines collapse to spaces');
  assert.deepEqual(page.sections!.map((s) => s.path), [
    'Visiting the lighthouse',
    'Visiting the lighthouse > Opening hours',
    'Visiting the lighthouse > Opening hours > Summer',
    'Visiting the lighthouse > Getting there',
  ]);
  for (const s of page.sections!) assert.ok(page.text.startsWith(s.path.split(' > ').at(-1)!, s.start), `section offset of ${s.path}`);
});

void test('HTML with nothing visible is refused with a reason', () => {
  assert.throws(() => parseHtml(html('<html><head><script>x()</script></head><body> </body></html>')), (e: unknown) => e instanceof InvalidInputError && /no visible text/.test(e.message));
});

void test('Word: raw text with paragraphs kept; a damaged .docx fails with a reason', async () => {
  const doc = await parseDocx(makeDocx(['Lighthouse rules', 'Visitors climb at their own risk & <care>.', '', '', 'Dogs stay downstairs.']));
  assert.equal(doc.pages[0]!.text, 'Lighthouse rules\n\nVisitors climb at their own risk & <care>.\n\nDogs stay downstairs.');
  const broken = makeDocx(['x']).subarray(0, 120);
  await assert.rejects(parseDocx(broken), (e: unknown) => e instanceof InvalidInputError && /Word document could not be read/.test(e.message));
  await assert.rejects(parseDocx(makeDocx([' '])), /Word document has no text/);
});

void test('Markdown headings become section paths; code fences and rules are not headings', () => {
  const md = '# Install\nintro\n## Linux\n```sh\n# not a heading\n```\napt install\n### Debian **12**\nx\n## macOS ##\nbrew\n\n---\n\nSetext Title\n============\ny\nPart\n----\nz\n';
  assert.deepEqual(markdownSections(md).map((s) => s.path), [
    'Install',
    'Install > Linux',
    'Install > Linux > Debian 12',
    'Install > macOS',
    'Setext Title',
    'Setext Title > Part',
  ]);
});

void test('every chunk carries the heading path in force where it starts', async () => {
  const md = `Preface text.\n\n# Install\n\n## Linux\n\n${'Use the package manager. '.repeat(20)}\n\n## Windows\n\n${'Run the installer. '.repeat(20)}\n`;
  const parsed = parseText(Buffer.from(md), { markdown: true });
  const chunks = await chunkDocument({ documentId: 'd', documentName: 'guide.md', mediaType: 'text/markdown' }, parsed, { size: 200, overlap: 20 });
  const byText = (needle: string) => chunks.find((c) => c.text.includes(needle))!;
  assert.equal(byText('Preface').headingPath, null);
  assert.equal(byText('package manager').headingPath, 'Install > Linux');
  assert.equal(byText('installer').headingPath, 'Install > Windows');
  for (const c of chunks) assert.ok(c.headingPath === null || typeof c.headingPath === 'string');
  // Plain text has no headings, even when a line starts with #.
  const plain = await chunkDocument({ documentId: 'p', documentName: 'n.txt', mediaType: 'text/plain' }, parseText(Buffer.from('# not a heading\nbody')), { size: 200, overlap: 20 });
  assert.equal(plain[0]!.headingPath, null);
});
