/** EPUB, OpenDocument text and RTF on real files made here: detection by content, text and sections; these and CSV in the real parse child. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ODT_MEDIA_TYPE } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { parseIsolated } from '../../src/ingest/isolated-parser.ts';
import { parseEpub } from '../../src/ingest/parse-epub.ts';
import { parseOdt } from '../../src/ingest/parse-odt.ts';
import { parseRtf, RTF_MAX_DEPTH } from '../../src/ingest/parse-rtf.ts';
import { headingPathAt } from '../../src/ingest/parsed-document.ts';
import { makeEpub } from '../support/make-epub.ts';
import { makeOdt } from '../support/make-odt.ts';

const invalid = (pattern: RegExp) => (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message);

const CHAPTERS = [
  { file: 'cover.xhtml', body: '<img src="cover.jpg" alt=""/>' },
  { file: 'z-first.xhtml', tocTitle: 'Chapter 1: The Keeper', body: '<h1>Chapter 1: The Keeper</h1><p>The keeper climbed 117 steps every evening.</p><h2>The lamp</h2><p>It burned paraffin.</p>' },
  { file: 'a-second.xhtml', tocTitle: 'Chapter 2: Storms', body: '<p>In 1953 the storm broke the lantern glass.</p>' },
];

for (const ncx of [false, true]) {
  void test(`EPUB (${ncx ? 'EPUB 2 toc.ncx' : 'EPUB 3 nav'}): chapters in spine order, titled from the table of contents`, async () => {
    const epub = await makeEpub('The Lighthouse Book', CHAPTERS, { ncx });
    assert.equal(detectMediaType(epub, 'book.zip'), 'application/epub+zip');
    const doc = await parseEpub(epub);
    assert.equal(doc.title, 'The Lighthouse Book');
    const page = doc.pages[0]!;
    assert.equal(page.text, 'Chapter 1: The Keeper\n\nThe keeper climbed 117 steps every evening.\n\nThe lamp\n\nIt burned paraffin.\n\nIn 1953 the storm broke the lantern glass.');
    assert.doesNotMatch(page.text, /The Lighthouse Book/, "the chapters' <title> is not repeated in the text");
    const at = (s: string) => headingPathAt(page.sections, page.text.indexOf(s));
    assert.equal(at('117 steps'), 'Chapter 1: The Keeper');
    assert.equal(at('paraffin'), 'Chapter 1: The Keeper > The lamp');
    assert.equal(at('storm broke'), 'Chapter 2: Storms');
  });
}

void test('an EPUB without text is refused with a reason', async () => {
  await assert.rejects(parseEpub(await makeEpub('Empty', [{ file: 'c.xhtml', body: '<img src="x.png"/>' }])), invalid(/the EPUB e-book has no text in its chapters/));
});

void test('OpenDocument text: paragraphs, headings as sections, lists and tables; comments and deletions left out', async () => {
  const odt = await makeOdt(
    '<text:h text:outline-level="1">Ferry guide</text:h><text:p>Boats leave<text:s text:c="2"/>every hour.<office:annotation><text:p>check this</text:p></office:annotation></text:p>' +
      '<text:tracked-changes><text:changed-region><text:deletion><text:p>old timetable</text:p></text:deletion></text:changed-region></text:tracked-changes>' +
      '<text:h text:outline-level="2">Fares</text:h><text:list><text:list-item><text:p>Adults 4 EUR</text:p></text:list-item></text:list>' +
      '<table:table><table:table-row><table:table-cell><text:p>Bikes</text:p></table:table-cell><table:table-cell><text:p>free</text:p></table:table-cell></table:table-row></table:table>',
  );
  assert.equal(detectMediaType(odt, 'guide.zip'), ODT_MEDIA_TYPE);
  const page = (await parseOdt(odt)).pages[0]!;
  assert.equal(page.text, 'Ferry guide\n\nBoats leave  every hour.\n\nFares\n\nAdults 4 EUR\n\nBikes\n\nfree');
  assert.equal(headingPathAt(page.sections, page.text.indexOf('Adults')), 'Ferry guide > Fares');
  assert.equal(headingPathAt(page.sections, page.text.indexOf('Boats')), 'Ferry guide');
});

void test('RTF: paragraphs, escapes, code-page and Unicode characters; tables of fonts, colours, info and pictures skipped', () => {
  const rtf = Buffer.from(
    String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}{\colortbl;\red255\green0\blue0;}{\info{\title Secret title}{\author Ada}}` +
      String.raw`{\*\generator Writer}\pard Caf\'e9 opens at 9\{am\}.\par Price: 5\u8364? per cup\tab (tax incl.)\par` +
      String.raw`{\pict\pngblip 89504e470d0a}{\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt see the menu}}\line next line}`,
    'latin1',
  );
  assert.equal(detectMediaType(rtf, 'notes.txt'), 'application/rtf');
  assert.equal(parseRtf(rtf).pages[0]!.text, 'Café opens at 9{am}.\n\nPrice: 5€ per cup\t(tax incl.)\n\nsee the menu\nnext line');
});

void test(`RTF nesting deeper than ${RTF_MAX_DEPTH} groups is refused with a reason`, () => {
  const deep = Buffer.from(`{\\rtf1 ${'{'.repeat(100_000)}x${'}'.repeat(100_000)}}`, 'latin1');
  assert.throws(() => parseRtf(deep), invalid(new RegExp(`nests its groups more than ${RTF_MAX_DEPTH} deep`)));
  const fine = Buffer.from(`{\\rtf1 ${'{'.repeat(RTF_MAX_DEPTH - 2)}deep text${'}'.repeat(RTF_MAX_DEPTH - 2)}}`, 'latin1');
  assert.equal(parseRtf(fine).pages[0]!.text, 'deep text');
  assert.throws(() => parseRtf(Buffer.from(String.raw`{\rtf1{\fonttbl{\f0 Arial;}}}`)), invalid(/the RTF document has no text/));
});

void test('the real parse child reads an EPUB, an ODT, an RTF and a CSV', async () => {
  const epub = await parseIsolated(await makeEpub('Book', CHAPTERS), 'application/epub+zip');
  assert.match(epub.pages[0]!.text, /storm broke the lantern glass/);
  const odt = await parseIsolated(await makeOdt('<text:h text:outline-level="1">Tides</text:h><text:p>High water at noon.</text:p>'), ODT_MEDIA_TYPE);
  assert.equal(odt.pages[0]!.text, 'Tides\n\nHigh water at noon.');
  const rtf = await parseIsolated(Buffer.from(String.raw`{\rtf1\ansi Ferry at 9\par Bikes free}`), 'application/rtf');
  assert.equal(rtf.pages[0]!.text, 'Ferry at 9\n\nBikes free');
  const csv = await parseIsolated(Buffer.from('Route;Departs\nIsland;09:15\n'), 'text/csv');
  assert.equal(csv.pages[0]!.text, 'Route: Island, Departs: 09:15');
  assert.equal(csv.pages[0]!.location, 'row 2', 'the location crosses from the parse child');
});
