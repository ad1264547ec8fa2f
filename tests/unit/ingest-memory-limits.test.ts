/**
 * Memory limits of parsing, with bombs generated here (tests/support/make-bomb.ts):
 *   - a parse child is held to its total memory (resident set), not only its JS heap: memory
 *     filled outside the heap gets it killed with a reason naming PARSE_MAX_MEMORY_MB;
 *   - a .docx zip bomb is refused before mammoth unpacks it, with a reason naming the zip limit,
 *     and its child never comes near the memory limit; archives that lie are measured anyway;
 *   - a PDF whose content stream is a flate bomb ends with the memory reason, within the parse
 *     timeout, and the parent is unharmed and parses the next file.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { DOCX_MEDIA_TYPE, type MediaType } from '../../src/contracts/ingest.ts';
import { InvalidInputError } from '../../src/errors.ts';
import { parseIsolated } from '../../src/ingest/isolated-parser.ts';
import { ParseChildProcess } from '../../src/ingest/parse-child-process.ts';
import { assertZipWithinLimits } from '../../src/ingest/zip-limits.ts';
import { deflatedEntry, deflateRepeated, docxBomb, pdfFlateBomb } from '../support/make-bomb.ts';
import { makeDocx, makeDocxWith, makeZip } from '../support/make-docx.ts';
import { makePdf } from '../support/make-pdf.ts';

const MISBEHAVING = fileURLToPath(new URL('../support/misbehaving-parse-child.ts', import.meta.url));
/**
 * How far past the limit a child may get before the watchdog's kill lands: what it can touch in
 * one 20 ms polling interval plus scheduling delays on a busy machine.
 */
const OVERSHOOT_MB = 300;

const memoryReason = (limitMb: number): string =>
  `the parser used more than ${limitMb} MB of memory (limit PARSE_MAX_MEMORY_MB); a decompression bomb or a very large document?`;

/** Parses in a child of its own and reports how it went, with the child's peak memory. */
async function parseInChild(bytes: Uint8Array, type: MediaType, opts: { entry?: string; maxTotalMemoryMb?: number; timeoutMs?: number }) {
  const child = new ParseChildProcess(type, opts);
  const started = performance.now();
  const outcome = await parseIsolated(bytes, type, { child, timeoutMs: opts.timeoutMs ?? 120_000 }).then(
    () => null,
    (err: unknown) => err,
  );
  const seconds = (performance.now() - started) / 1000;
  const peakMb = child.peakRssMb;
  console.log(`${type}: ${outcome instanceof Error ? outcome.message : 'parsed'} after ${seconds.toFixed(1)} s, child peak RSS ${peakMb?.toFixed(0)} MB`);
  return { outcome, seconds, peakMb };
}

void test('a child that fills memory outside its JS heap is killed at the total limit, with a reason naming it', async () => {
  const limit = 400;
  const r = await parseInChild(Buffer.from('BUFFERS'), 'text/plain', { entry: MISBEHAVING, maxTotalMemoryMb: limit, timeoutMs: 60_000 });
  assert.ok(r.outcome instanceof InvalidInputError, String(r.outcome));
  assert.equal(r.outcome.message, memoryReason(limit));
  assert.equal(r.outcome.code, 'parser_memory');
  assert.ok(r.peakMb !== null && r.peakMb > limit && r.peakMb < limit + OVERSHOOT_MB, `peak ${r.peakMb} MB`);
});

void test('a .docx zip bomb (1 GB in 1 MB) is refused before it is unpacked, and its child stays far below the limit', async () => {
  const bomb = docxBomb(1024);
  assert.ok(bomb.length < 2 * 2 ** 20);
  const r = await parseInChild(bomb, DOCX_MEDIA_TYPE, {});
  assert.ok(r.outcome instanceof InvalidInputError, String(r.outcome));
  assert.equal(r.outcome.message, 'a part of this .docx (word/document.xml) unpacks to more than 256 MB; is it a zip bomb?');
  assert.ok(r.peakMb !== null && r.peakMb < 1024, `peak ${r.peakMb} MB`);
  // An ordinary document still parses, in a child of the same kind.
  const ok = await parseIsolated(makeDocx(['Tide tables', 'High water at noon.']), DOCX_MEDIA_TYPE);
  assert.equal(ok.pages[0]!.text, 'Tide tables\n\nHigh water at noon.');
});

const part = (name: string, mb: number) => deflatedEntry(name, deflateRepeated(Buffer.from('<x>'), 0x20, mb, Buffer.from('</x>')));
const isBomb = (pattern: RegExp) => (e: unknown) => e instanceof InvalidInputError && e.code === 'zip_bomb' && pattern.test(e.message);

/** The archive with its central directory entry `index` repeated `times` more times (same data). */
function repeatCentralEntry(zip: Buffer, index: number, times: number): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const dirStart = zip.readUInt32LE(end + 16);
  const records: Buffer[] = [];
  for (let p = dirStart; p < end; ) {
    const length = 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    records.push(zip.subarray(p, p + length));
    p += length;
  }
  const dir = Buffer.concat([...records, ...Array.from({ length: times }, () => records[index]!)]);
  const eocd = Buffer.from(zip.subarray(end, end + 22));
  eocd.writeUInt16LE(records.length + times, 8);
  eocd.writeUInt16LE(records.length + times, 10);
  eocd.writeUInt32LE(dir.length, 12);
  return Buffer.concat([zip.subarray(0, dirStart), dir, eocd]);
}

void test('the zip limits count what entries really unpack to: in all, when sizes lie, when entries share data', async () => {
  // Each part within the per-part limit, together over the total.
  await assert.rejects(assertZipWithinLimits(makeDocxWith(part('word/document.xml', 200), part('word/a.xml', 200), part('word/b.xml', 200))), isBomb(/^this \.docx unpacks to more than 512 MB in all; is it a zip bomb\?$/));
  // Headers that claim a few bytes change nothing.
  const liar = part('word/document.xml', 300);
  liar.deflated = { size: 100, crc: 0 };
  await assert.rejects(assertZipWithinLimits(makeDocxWith(liar)), isBomb(/\(word\/document\.xml\) unpacks to more than 256 MB/));
  // Many directory entries pointing at the same data (an overlapping-entries bomb).
  const shared = repeatCentralEntry(makeDocxWith(part('word/document.xml', 100)), 2, 5);
  await assert.rejects(assertZipWithinLimits(shared), isBomb(/more than 512 MB in all/));
  // An end record that undercounts its entries: every central header is read anyway.
  const undercounted = Buffer.from(makeDocxWith(part('word/document.xml', 200), part('word/a.xml', 200), part('word/b.xml', 200)));
  undercounted.writeUInt16LE(1, undercounted.length - 22 + 8);
  undercounted.writeUInt16LE(1, undercounted.length - 22 + 10);
  await assert.rejects(assertZipWithinLimits(undercounted), isBomb(/more than 512 MB in all/));
  // Too many parts.
  const many = makeZip(Array.from({ length: 20_001 }, (_, i) => ({ name: `p${i}`, data: Buffer.from('x') })));
  await assert.rejects(assertZipWithinLimits(many), isBomb(/^this \.docx holds more than 20000 parts/));
  // Bytes before the archive are allowed for, as JSZip does: still measured, still readable.
  const junk = Buffer.alloc(100, 0x2e);
  await assert.rejects(assertZipWithinLimits(Buffer.concat([junk, docxBomb(300)])), isBomb(/unpacks to more than 256 MB/));
  await assertZipWithinLimits(Buffer.concat([junk, makeDocx(['ok'])]));
  // A real-sized part passes.
  await assertZipWithinLimits(makeDocxWith(part('word/document.xml', 100)));
  // A cut-off archive is damaged, not a bomb.
  const whole = makeDocx(['cut']);
  await assert.rejects(assertZipWithinLimits(whole.subarray(0, whole.length - 30)), (e: unknown) => e instanceof InvalidInputError && /^the Word document could not be read \(damaged zip/.test(e.message));
});

void test('a PDF whose content stream is a flate bomb ends with the memory reason, and the parent parses on', async () => {
  const limit = 700;
  const timeoutMs = 60_000;
  const rssBefore = process.memoryUsage().rss;
  const r = await parseInChild(pdfFlateBomb(2048), 'application/pdf', { maxTotalMemoryMb: limit, timeoutMs });
  assert.ok(r.outcome instanceof InvalidInputError, String(r.outcome));
  assert.equal(r.outcome.message, memoryReason(limit));
  assert.ok(r.seconds * 1000 < timeoutMs, 'ended by the memory limit, not the timeout');
  assert.ok(r.peakMb !== null && r.peakMb < limit + OVERSHOOT_MB, `peak ${r.peakMb} MB`);
  // The parent holds the bomb's bytes (2 MB) and nothing of what it unpacks to.
  const grewMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
  assert.ok(grewMb < 100, `the parent grew by ${grewMb.toFixed(0)} MB`);
  const next = await parseIsolated(makePdf(['after the bomb']), 'application/pdf');
  assert.match(next.pages[0]!.text, /after the bomb/);
});
