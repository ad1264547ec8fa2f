/**
 * Citations name the unit of their format: a deck's slide, a spreadsheet's sheet and rows, a CSV
 * file's rows, an e-book's chapter, a PDF's page. From the parsers (real files made here) through the
 * chunker's metadata, the search API, the answer's sources, the chat page, the passage view, the
 * prompt and the chat export; ask.js (citations.js) shows the same place as the server-side pages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildPrompt } from '../../src/answer/prompt.ts';
import { chatMarkdown } from '../../src/chats/chat-export.ts';
import type { ChatView } from '../../src/chats/chat-types.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { PPTX_MEDIA_TYPE, XLSX_MEDIA_TYPE } from '../../src/contracts/ingest.ts';
import { chapterLocation, placeLine, placeOf } from '../../src/contracts/location.ts';
import type { Source } from '../../src/contracts/source.ts';
import { chunkDocument } from '../../src/ingest/chunker.ts';
import { parseCsv } from '../../src/ingest/parse-csv.ts';
import { parseEpub } from '../../src/ingest/parse-epub.ts';
import { parsePdf } from '../../src/ingest/parse-pdf.ts';
import { parsePptx } from '../../src/ingest/parse-pptx.ts';
import { parseXlsx } from '../../src/ingest/parse-xlsx.ts';
import type { ParsedDocument } from '../../src/ingest/parsed-document.ts';
import type { ChunkRecord, SearchHit } from '../../src/ports/vector-store.ts';
import { FAKE_SOURCE, fakeDocument, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';
import { makeEpub } from '../support/make-epub.ts';
import { makePdf } from '../support/make-pdf.ts';
import { makePptx } from '../support/make-pptx.ts';
import { makeXlsx } from '../support/make-xlsx.ts';

// The browser's module (plain JavaScript, no types): only its pure placeOf is used.
const browserModule = '../../templates/static/citations.js';
const { placeOf: browserPlaceOf } = (await import(browserModule)) as { placeOf: typeof placeOf };

const chunksOf = (doc: ParsedDocument, mediaType: Parameters<typeof chunkDocument>[0]['mediaType']): Promise<ChunkRecord[]> =>
  chunkDocument({ documentId: 'd', documentName: 'f', mediaType }, doc, { size: 1000, overlap: 100 });
const chunkWith = (chunks: ChunkRecord[], words: string): ChunkRecord => {
  const c = chunks.find((x) => x.text.includes(words));
  assert.ok(c, `no chunk holds "${words}"`);
  return c;
};

void test('a slide deck: each passage is located by its slide, its title is the section within it', async () => {
  const pptx = await makePptx([{ title: 'Welcome', body: ['Agenda for the day'] }, { body: [] }, { title: 'Budget', body: ['Dredging costs 1.2M'] }, { body: ['Untitled closing words'] }]);
  const chunks = await chunksOf(await parsePptx(pptx), PPTX_MEDIA_TYPE);
  const budget = chunkWith(chunks, 'Dredging');
  assert.deepEqual([budget.page, budget.location, budget.headingPath], [3, 'slide 3', 'Budget']);
  assert.equal(placeLine(budget), 'slide 3 · Budget');
  const closing = chunkWith(chunks, 'closing words');
  assert.deepEqual([closing.location, closing.headingPath], ['slide 4', null], 'an untitled slide has a location and no section');
});

void test('a spreadsheet: each passage is located by its sheet and rows, across sheets', async () => {
  const rows: Array<Array<string | number>> = [['Order', 'Customer']];
  for (let i = 1; i <= 40; i++) rows.push([`ORD-${1000 + i}`, `Customer number ${i}`]);
  const xlsx = await makeXlsx([{ name: 'Orders', rows }, { name: 'Notes', rows: [['Topic', 'Text'], ['Audit', 'Narvik audit overdue']] }]);
  const chunks = await chunksOf(await parseXlsx(xlsx), XLSX_MEDIA_TYPE);
  for (const c of chunks.filter((x) => x.text.includes('ORD-'))) {
    const m = /^Orders, rows (\d+)-(\d+)$/.exec(c.location ?? '');
    assert.ok(m, `located as ${c.location}`);
    const ids = [...c.text.matchAll(/ORD-(\d+)/g)].map((x) => Number(x[1]) - 1000 + 1); // order i is on row i + 1
    assert.deepEqual([Number(m[1]), Number(m[2])], [ids[0], ids.at(-1)], 'the rows named are the rows quoted');
    assert.equal(c.headingPath, null);
  }
  assert.equal(chunkWith(chunks, 'Narvik').location, 'Notes, row 2');
});

void test('a CSV file: passages are located by rows, the header being row 1', async () => {
  const csv = Buffer.from('Route,Departs\nIsland,09:15\nHarbour,10:40\n');
  const chunks = await chunksOf(parseCsv(csv), 'text/csv');
  assert.equal(chunkWith(chunks, 'Harbour').location, 'rows 2-3');
  assert.equal(placeLine(chunkWith(chunks, 'Harbour')), 'rows 2-3');
});

void test('an e-book: passages are located by the chapter its contents name; an unlisted chapter is not part of the one before', async () => {
  const epub = await makeEpub('The Lighthouse Book', [
    { file: 'one.xhtml', tocTitle: 'The Keeper', body: '<h1>The Keeper</h1><p>He climbed 117 steps.</p><h2>The lamp</h2><p>It burned paraffin.</p>' },
    { file: 'interlude.xhtml', body: '<p>A page the contents do not list.</p>' },
    { file: 'two.xhtml', tocTitle: 'Storms', body: '<p>In 1953 the storm broke the glass.</p>' },
  ]);
  const doc = await parseEpub(epub);
  // Small chunks, so each paragraph is its own passage.
  const chunks = await chunkDocument({ documentId: 'd', documentName: 'book.epub', mediaType: 'application/epub+zip' }, doc, { size: 40, overlap: 0 });
  const lamp = chunkWith(chunks, 'paraffin');
  assert.deepEqual([lamp.location, lamp.headingPath], [chapterLocation('The Keeper'), 'The Keeper > The lamp']);
  assert.equal(placeLine(lamp), 'chapter "The Keeper" · The lamp', 'the chapter is not repeated in the section');
  assert.equal(placeLine(chunkWith(chunks, '117 steps')), 'chapter "The Keeper"');
  assert.equal(chunkWith(chunks, 'storm broke').location, 'chapter "Storms"');
  // At the default chunk size the whole book fits one chunk; it is still cut at each chapter.
  const whole = await chunkDocument({ documentId: 'd', documentName: 'book.epub', mediaType: 'application/epub+zip' }, doc, { size: 1000, overlap: 100 });
  assert.deepEqual(whole.map((c) => c.location ?? null), [chapterLocation('The Keeper'), null, chapterLocation('Storms')]);
  assert.equal(chunkWith(whole, 'storm broke').location, 'chapter "Storms"');
  for (const c of whole) assert.equal(doc.pages[0]!.text.slice(c.start, c.end), c.text, 'offsets are in the page text');
  const interlude = chunkWith(chunks, 'do not list');
  assert.deepEqual([interlude.location ?? null, interlude.headingPath], [null, null]);
});

void test('a PDF: passages are located by their page', async () => {
  const doc = await parsePdf(makePdf(['Front matter only.', 'The ferry leaves at nine.']));
  const c = chunkWith(await chunksOf(doc, 'application/pdf'), 'ferry');
  assert.equal(c.page, 2);
  assert.equal(placeOf(c).location, 'page 2');
});

void test('older passages without a location cite their page as before; formats without a unit cite none', () => {
  assert.deepEqual(placeOf({ page: 4, headingPath: 'Intro' }), { location: 'page 4', headingPath: 'Intro' });
  assert.deepEqual(placeOf({ page: null, location: null, headingPath: 'Install > Linux' }), { location: null, headingPath: 'Install > Linux' });
  assert.equal(placeLine({ page: null }), '');
});

void test('the browser (citations.js) places a source exactly as the server does', () => {
  const cases = [
    { page: 3, location: 'slide 3', headingPath: 'Budget' },
    { page: 12, location: 'Orders, rows 12-40', headingPath: null },
    { page: null, location: 'chapter "The Keeper"', headingPath: 'The Keeper > The lamp' },
    { page: null, location: 'chapter "The Keeper"', headingPath: 'The Keeper' },
    { page: 2, headingPath: null },
    { page: null, location: null, headingPath: 'Install' },
  ];
  for (const c of cases) assert.deepEqual(browserPlaceOf(c), placeOf(c), JSON.stringify(c));
});

void test('the prompt names each passage by its unit', () => {
  const hit = (location: string | undefined, page: number | null, i: number): SearchHit => ({ chunkId: `d:${i}`, documentId: 'd', documentName: 'deck.pptx', page, text: `text ${i}`, start: 0, end: 6, score: 1, headingPath: i === 0 ? 'Budget' : null, ...(location ? { location } : {}) });
  const p = buildPrompt({ question: 'Q?', hits: [hit('slide 3', 3, 0), hit('Orders, rows 12-40', 12, 1), hit(undefined, 5, 2)], contextSize: 4096, maxTokens: 64, countTokens: (t) => t.length / 4 });
  const user = p.messages.at(-1)!.content;
  assert.match(user, /\[1\] \(deck\.pptx, slide 3, Budget\)/);
  assert.match(user, /\[2\] \(deck\.pptx, Orders, rows 12-40\)/);
  assert.match(user, /\[3\] \(deck\.pptx, page 5\)/);
});

void test('a chat exported as Markdown names each source by its unit', () => {
  const src = (n: number, over: Partial<Source>): Source => ({ ...FAKE_SOURCE, n, chunkId: `doc-1:${n}`, ...over });
  const turn = { id: 't', answerId: 'a', question: 'Q?', searchedFor: null, answer: 'A [1][2].', feedback: null, sources: [src(1, { documentName: 'deck.pptx', page: 3, location: 'slide 3', headingPath: 'Budget' }), src(2, { documentName: 'book.epub', page: null, location: 'chapter "Storms"', headingPath: 'Storms' })], settings: {}, worker: null, model: null, timings: null, status: 'done', error: null, createdAt: 0 };
  const md = chatMarkdown({ id: 'c', title: 'T', collections: [], settings: {}, turnCount: 1, createdAt: 0, updatedAt: 0, turns: [turn] } as unknown as ChatView);
  assert.match(md, /1\. \*\*deck\.pptx\*\* \(slide 3, section "Budget"\)/);
  assert.match(md, /2\. \*\*book\.epub\*\* \(chapter "Storms"\)/);
});

let srv: TestServer;
const deckHit: SearchHit = { ...FAKE_SOURCE, documentName: 'deck.pptx', page: 3, location: 'slide 3', headingPath: 'Budget', start: 0, end: 44 };
const sheetHit: SearchHit = { ...FAKE_SOURCE, chunkId: 'doc-1:1', documentName: 'orders.xlsx', page: 9, location: 'Orders, rows 12-40', start: 0, end: 44 };
const pdfHit: SearchHit = { ...FAKE_SOURCE, chunkId: 'doc-1:2', start: 0, end: 44 };
before(async () => {
  srv = await startTestServer();
  srv.services.hits = [deckHit, sheetHit, pdfHit];
  srv.services.replies = (answerId: string): AnswerReply[] => {
    const [sources, , , done] = scriptedReplies(answerId);
    const cited = [deckHit, sheetHit, pdfHit].map((h, i) => ({ ...h, n: i + 1, location: placeOf(h).location }));
    return [sources!, { ...(done as Extract<AnswerReply, { type: 'done' }>), answer: 'Costs [1], orders [2], cat [3].', sources: cited }];
  };
});
after(() => srv.close());

void test('/api/search gives each result its location (a PDF\'s page too)', async () => {
  const body = (await (await fetch(`${srv.url}/api/search?q=x&k=3`)).json()) as { results: Array<{ location: string | null }> };
  assert.deepEqual(body.results.map((r) => r.location), ['slide 3', 'Orders, rows 12-40', 'page 2']);
});

void test('the chat page lists each source with its unit, and the passage view names it', async () => {
  const { chatId, answerId } = (await (await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'costs?' }) })).json()) as { chatId: string; answerId: string };
  const page = await (await fetch(`${srv.url}/chats/${chatId}`)).text();
  const items = page.slice(page.indexOf('<ol class="sources">')).split('<li>').slice(1);
  assert.match(items[0]!, /deck\.pptx<\/strong><\/a> · <span class="source-location">slide 3<\/span> · <span class="heading-path">Budget<\/span>/);
  assert.match(items[1]!, /orders\.xlsx<\/strong><\/a> · <span class="source-location">Orders, rows 12-40<\/span>/);
  assert.doesNotMatch(items[1]!, /page 9/, 'a sheet\'s passage number is not shown as a page');
  assert.match(items[2]!, /handbook\.pdf<\/strong><\/a> · <span class="source-location">page 2<\/span>/);

  await fs.mkdir(srv.config.paths.uploads, { recursive: true });
  await fs.writeFile(path.join(srv.config.paths.uploads, 'doc-1'), `Intro.\n${FAKE_SOURCE.text}\n`);
  srv.services.docs = [fakeDocument({ mediaType: 'text/plain' })];
  const view = await (await fetch(`${srv.url}/documents/doc-1/view?chunk=doc-1%3A0&answer=${answerId}`)).text();
  assert.match(view, /Cited passage · slide 3 · Budget/);
  const sheetView = await (await fetch(`${srv.url}/documents/doc-1/view?chunk=doc-1%3A1&answer=${answerId}`)).text();
  assert.match(sheetView, /Cited passage · Orders, rows 12-40 ·/);
});
