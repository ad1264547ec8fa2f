/**
 * The new parsers take time in proportion to their input, on the shapes that would expose a
 * quadratic step: CSV with long quoted fields full of doubled quotes and many short rows, RTF with
 * dense control words, code-page bytes and nesting near the cap, a workbook of many rows, an ODT
 * of many paragraphs. Each is timed at 1x and 4x ; linear work gives
 * about 4, quadratic 16 (each input is timed five times, interleaved, and the minimum kept).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCsv } from '../../src/ingest/parse-csv.ts';
import { odtText } from '../../src/ingest/parse-odt.ts';
import { parseRtf } from '../../src/ingest/parse-rtf.ts';
import { parseXlsx } from '../../src/ingest/parse-xlsx.ts';
import { makeXlsx, type CellSpec } from '../support/make-xlsx.ts';

const BOUND = 8;

/** Time of the larger input over the smaller: both warmed up, then timed in turn five times, the minimum of each. */
async function ratio(name: string, make: (n: number) => unknown, parse: (input: never) => unknown, n: number): Promise<void> {
  const small = await make(n);
  const large = await make(4 * n);
  await parse(small as never);
  await parse(large as never);
  const best = [Infinity, Infinity];
  for (let i = 0; i < 5; i++) {
    for (const [k, input] of [small, large].entries()) {
      const t = performance.now();
      await parse(input as never);
      best[k] = Math.min(best[k]!, performance.now() - t);
    }
  }
  const r = best[1]! / best[0]!;
  console.log(`${name}: x${r.toFixed(2)} for 4x the input`);
  assert.ok(r < BOUND, `${name}: ${r.toFixed(2)}x the time for 4x the input`);
}

void test('CSV parsing is linear: long quoted fields of doubled quotes, and many short rows', async () => {
  await ratio('csv quoted', (n) => Buffer.from(`a,b\n"${'x""'.repeat(n)}",1\n`), parseCsv, 200_000);
  await ratio('csv rows', (n) => Buffer.from(`k,v\n${'ab,"c;d"\r\n'.repeat(n)}`), parseCsv, 50_000);
});

void test('RTF parsing is linear: control words, code-page bytes, nesting near the cap', async () => {
  const deep = `${'{'.repeat(250)}x${'}'.repeat(250)}`;
  await ratio('rtf', (n) => Buffer.from(`{\\rtf1\\ansi ${`\\b word\\'e9\\u8364?\\par ${deep}`.repeat(n)}}`, 'latin1'), parseRtf, 4_000);
});

void test('a workbook of many rows and an ODT of many paragraphs parse in linear time', async () => {
  const rows = (n: number): CellSpec[][] => [['Name', 'Value', 'When'], ...Array.from({ length: n }, (_, i): CellSpec[] => [`name ${i}`, i * 1.5, { date: new Date(Date.UTC(2024, 0, 1 + (i % 300))) }])];
  await ratio('xlsx', async (n) => makeXlsx([{ name: 'S', rows: rows(n) }]), parseXlsx, 5_000);
  await ratio('odt', (n) => `<office:text>${'<text:h text:outline-level="2">Heading</text:h><text:p>Some <text:span>text</text:span><text:s text:c="3"/>here.</text:p>'.repeat(n)}</office:text>`, odtText, 5_000);
});
