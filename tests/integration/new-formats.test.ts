/**
 * Every newer upload format end to end with the roles apart on the real RabbitMQ and the small real
 * models: a web, an ingest worker (its own process, reading files in its parse child, OCR through
 * tesseract) and an answer worker. One real file of each format is made here (PowerPoint, Excel,
 * CSV, EPUB, OpenDocument, RTF, a PNG photo of text and an image-only scanned PDF), uploaded
 * through the API, indexed, and found by the web's search from a phrase it holds, the result naming
 * the format's unit: slide, sheet and rows, rows, chapter, page (none for formats without one).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerUrls } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { makeEpub } from '../support/make-epub.ts';
import { makeOdt } from '../support/make-odt.ts';
import { makePdf } from '../support/make-pdf.ts';
import { makePptx } from '../support/make-pptx.ts';
import { renderImage, scannedPdf } from '../support/make-scan.ts';
import { makeXlsx } from '../support/make-xlsx.ts';
import { startRolesApart, type RoleProcess } from '../support/processes.ts';

const procs: RoleProcess[] = [];
let base: string;
let tmp: string;
const prefix = `t${randomBytes(4).toString('hex')}.`;

interface Hit { documentId: string; documentName: string; text: string; location: string | null; ocr?: boolean }

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

/** One file per format: its bytes, a phrase it holds, and the location a search hit of it names. */
interface Case { name: string; bytes: () => Promise<Buffer>; phrase: string; location: string | RegExp | null; ocr?: boolean }

const orders: Array<Array<string | number>> = [['Order', 'Customer', 'Item']];
for (let i = 1; i <= 30; i++) orders.push([`ORD-${2000 + i}`, `Customer ${i}`, i === 17 ? 'brass sextant with walnut case' : `crate of nails ${i}`]);

const CASES: Case[] = [
  {
    name: 'harbour-review.pptx',
    bytes: () => makePptx([{ title: 'Welcome', body: ['Agenda for the review'] }, { title: 'Dredging', body: ['The Qorvath channel dredging costs 1.2 million'] }]),
    phrase: 'Qorvath channel dredging costs',
    location: 'slide 2',
  },
  { name: 'orders.xlsx', bytes: () => makeXlsx([{ name: 'Orders', rows: orders }]), phrase: 'brass sextant with walnut case', location: /^Orders, rows? (\d+)(-\d+)?$/ },
  { name: 'timetable.csv', bytes: () => Promise.resolve(Buffer.from('Route,Departs,Vessel\nIsland,09:15,Marrowind\nHarbour,10:40,Tessaly Gull\n')), phrase: 'Tessaly Gull', location: /^rows? \d+(-\d+)?$/ },
  {
    name: 'lighthouse-book.epub',
    bytes: () => makeEpub('The Lighthouse Book', [{ file: 'one.xhtml', tocTitle: 'The Keeper', body: '<p>The keeper climbed 117 steps.</p>' }, { file: 'two.xhtml', tocTitle: 'Storms', body: '<p>In 1953 the Varnholt storm broke the lantern glass.</p>' }]),
    phrase: 'Varnholt storm broke the lantern glass',
    location: 'chapter "Storms"',
  },
  { name: 'ferry-guide.odt', bytes: () => makeOdt('<text:h text:outline-level="1">Ferry guide</text:h><text:p>Bicycles ride free on the Ostrelle ferry.</text:p>'), phrase: 'Bicycles ride free on the Ostrelle ferry', location: null },
  { name: 'cafe.rtf', bytes: () => Promise.resolve(Buffer.from(String.raw`{\rtf1\ansi The Pellinor cafe opens at nine.\par Tea costs two coins.}`)), phrase: 'Pellinor cafe opens at nine', location: null },
  { name: 'notice.png', bytes: () => Promise.resolve(renderImage(makePdf(['The harbour office closes early on Fridays.']), 'png', 200)), phrase: 'harbour office closes early on Fridays', location: null, ocr: true },
  {
    name: 'scanned-minutes.pdf',
    bytes: () => Promise.resolve(scannedPdf(['Minutes of the harbour board.', 'The board agreed to repaint the north pier lamp.'], 200)),
    phrase: 'repaint the north pier lamp',
    location: 'page 2',
    ocr: true,
  },
];

async function upload(name: string, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  if (res.status !== 202) fail(`upload ${name} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

async function settled(id: string): Promise<{ status: string; chunks?: number }> {
  const end = Date.now() + 120_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status?: string; error?: string; chunks?: number };
    if (d.status === 'ready') return d as { status: string; chunks?: number };
    if (d.status === 'failed' || Date.now() > end) fail(`document ${id} not ready: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ids = new Map<string, string>();

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-formats-'));
  const t0 = performance.now();
  ({ base } = await startRolesApart({ tmp, amqpUrl: brokerUrls().amqpUrl, prefix, procs }));
  const t1 = performance.now();
  for (const c of CASES) ids.set(c.name, await upload(c.name, await c.bytes()));
  for (const c of CASES) await settled(ids.get(c.name)!);
  process.stderr.write(`roles ready in ${((t1 - t0) / 1000).toFixed(0)} s; ${CASES.length} files made, uploaded and indexed in ${((performance.now() - t1) / 1000).toFixed(0)} s\n`);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix);
});

for (const c of CASES) {
  void test(`${c.name}: indexed by the ingest worker, found by a phrase it holds, cited by ${c.location === null ? 'no unit' : String(c.location)}`, async () => {
    const res = await fetch(`${base}/api/search?q=${encodeURIComponent(c.phrase)}&k=5`);
    if (res.status !== 200) fail(`search answered ${res.status}: ${await res.text()}`);
    const hits = ((await res.json()) as { results: Hit[] }).results;
    const hit = hits.find((h) => h.documentId === ids.get(c.name));
    assert.ok(hit, `${c.name} not among ${hits.map((h) => h.documentName).join(', ')}`);
    assert.equal(hits[0]!.documentId, hit.documentId, `${c.name} is the best match, not ${hits[0]!.documentName}`);
    // OCR may misread a letter; every other format's text is the phrase itself.
    const words = c.phrase.toLowerCase().split(' ');
    const found = words.filter((w) => hit.text.toLowerCase().includes(w)).length;
    assert.ok(c.ocr ? found >= words.length - 1 : found === words.length, `"${hit.text}" does not hold "${c.phrase}"`);
    if (c.location instanceof RegExp) assert.match(hit.location ?? '', c.location);
    else assert.equal(hit.location, c.location);
    assert.equal(hit.ocr === true, c.ocr === true, 'marked as read by OCR exactly when it was');
  });
}

void test('the spreadsheet hit names the row the phrase is on', async () => {
  const res = await fetch(`${base}/api/search?q=${encodeURIComponent('brass sextant with walnut case')}&k=1`);
  const hit = ((await res.json()) as { results: Hit[] }).results[0]!;
  const [, first, last] = /^Orders, rows? (\d+)(?:-(\d+))?$/.exec(hit.location ?? '') ?? [];
  // Order 17 is on row 18 (the header is row 1).
  assert.ok(Number(first) <= 18 && Number(last ?? first) >= 18, `cited as ${hit.location}`);
});
