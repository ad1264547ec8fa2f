/**
 * A workbook and a slide deck through the whole ingest path (upload, type detection, the real parse
 * child, chunking, embedding, the FAISS store, search over HTTP): a question about one cell finds
 * that cell's row, cited by sheet and rows; a question about a speaker note finds its slide.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { makePptx } from '../support/make-pptx.ts';
import { makeXlsx, type CellSpec } from '../support/make-xlsx.ts';
import { startIngestStack } from '../support/ingest-stack.ts';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Hit {
  text: string;
  page: number | null;
  headingPath: string | null;
  location: string | null;
  documentName: string;
}

const CITIES = ['Oslo', 'Bergen', 'Tromso', 'Bodo', 'Alta', 'Molde', 'Narvik', 'Hamar'];
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'tu', 'ven', 'sol', 'dri'];
/** A made-up part name per row, unique ("kalomi"), so a question can name exactly one row. */
const partName = (i: number) => SYLLABLES[i % 8]! + SYLLABLES[Math.floor(i / 8) % 8]! + SYLLABLES[Math.floor(i / 64) % 8]!;

void test('a question about one spreadsheet cell retrieves that row, cited by sheet and rows; a speaker note finds its slide', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-sheet-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  const stack = await startIngestStack(dir, 'fake-a', { cleanup });
  const rows: CellSpec[][] = [['Part', 'Warehouse', 'Stock', 'Checked']];
  for (let i = 0; i < 300; i++) rows.push([partName(i), CITIES[i % CITIES.length]!, 10 + ((i * 37) % 500), { date: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))) }]);
  const id = await stack.upload(await makeXlsx([{ name: 'Other', rows: [['Note'], ['nothing here']] }, { name: 'Inventory', rows }]), 'inventory.xlsx');
  const doc = await stack.settle(id);
  assert.equal(doc.status, 'ready', doc.error ?? '');

  const ask = async (q: string): Promise<Hit[]> => {
    const res = await stack.search(q);
    assert.equal(res.status, 200);
    return ((await res.json()) as { results: Hit[] }).results;
  };
  // Row 160 of the sheet is part 158 (the header is row 1).
  assert.equal(partName(158), 'solrami');
  const hits = await ask('How much solrami stock is there?');
  const top = hits.find((h) => h.text.includes('solrami'));
  assert.ok(top, `not in the first ${hits.length}: ${hits.map((h) => h.text.slice(0, 20)).join(' | ')}`);
  assert.match(top.text, /^Part: solrami, Warehouse: Narvik, Stock: 356, Checked: 2024-03-19$/m);
  const [, first, last] = /^Inventory, rows? (\d+)(?:-(\d+))?$/.exec(top.location ?? '') ?? [];
  assert.ok(Number(first) <= 160 && Number(last ?? first) >= 160, `cited as ${top.location}`);

  const deck = await stack.upload(await makePptx([{ title: 'Welcome', body: ['Agenda'] }, { title: 'Stock levels', body: ['Overview'], notes: ['Remind everyone that the Narvik audit is overdue'] }]), 'review.pptx');
  assert.equal((await stack.settle(deck)).status, 'ready');
  const noteHit = (await ask('Narvik audit overdue')).find((h) => h.documentName === 'review.pptx')!;
  assert.equal(noteHit.page, 2);
  assert.equal(noteHit.location, 'slide 2');
  assert.equal(noteHit.headingPath, 'Stock levels');
});
