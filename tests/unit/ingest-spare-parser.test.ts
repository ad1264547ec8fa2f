/**
 * The ingest worker's warm spare parse child (src/ingest/spare-parse-child.ts), with the real parse
 * child: a parse takes the warmed spare and a new spare starts; every child still serves one
 * document; a spare that dies while idle is replaced and never handed out; little free memory means
 * no spare; and nothing is left running after close(). Processes are counted from the OS (the
 * children of this test process), not from the pool's own bookkeeping.
 */
import os from 'node:os';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpareParser } from '../../src/ingest/spare-parse-child.ts';
import { makePdf } from '../support/make-pdf.ts';

const pools: SpareParser[] = [];
after(async () => {
  for (const p of pools) await p.close();
});

function pool(opts: ConstructorParameters<typeof SpareParser>[0] = {}): SpareParser {
  const p = new SpareParser({ timeoutMs: 60_000, ...opts });
  pools.push(p);
  return p;
}

/**
 * Live Node child processes of this process: the parse children (not `ps` itself, not tsx's
 * esbuild service; zombies not yet reaped do not count).
 */
function children(): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, stat, comm]) => pid && stat && !stat.startsWith('Z') && comm === 'node')
    .map(([pid]) => Number(pid));
}

/** Waits (bounded) until `check` holds; the machine may be busy, so no tight timing. */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

const pdf = () => makePdf(['The ferry leaves from pier 3.', 'The lighthouse opens at nine.']);

void test('a parse takes the warmed spare, which serves that one document, and the next spare starts on replenish()', async () => {
  const p = pool();
  await p.ready();
  const first = p.current!;
  assert.ok(first.ready, 'the spare has loaded and warmed its parser');
  assert.equal(os.getPriority(first.process.pid), 10, 'the parse child runs below the embedder\'s priority');
  const firstPid = first.process.pid!;

  const parsing = p.parse(pdf(), 'application/pdf');
  // Taken synchronously; the next spare waits for the document to be done (its warm-up would take
  // CPU from the embedder working on this document), which the owner says with replenish().
  assert.equal(p.current, null);
  const doc = await parsing;
  assert.equal(p.current, null, 'no spare while the document is still being embedded');
  p.replenish();
  assert.notEqual(p.current, null, 'the next spare started on replenish()');
  assert.notEqual(p.current!.process.pid, firstPid);
  p.replenish();
  assert.equal(p.started, 2, 'replenish() with a spare in place starts no other');
  assert.deepEqual(doc.pages.map((pg) => pg.text), ['The ferry leaves from pier 3.', 'The lighthouse opens at nine.']);
  assert.equal(p.started, 2);
  // The child that read the document is ended after it: one document per child.
  await until('the used child has exited', () => !children().includes(firstPid));

  // Other types work in the PDF-warmed spare too, one child each.
  const md = await p.parse(Buffer.from('# Ferry\n\nBoats leave every hour.'), 'text/markdown');
  assert.match(md.pages[0]!.text, /Boats leave every hour/);
  p.replenish();
  assert.equal(p.started, 3);
  await p.ready();
  await until('only the spare is left', () => children().length === 1 && children()[0] === p.current?.process.pid);
  await p.close();
  await until('no child left', () => children().length === 0);
});

void test('a spare that dies while idle is replaced and never handed out', async () => {
  const p = pool();
  await p.ready();
  const dead = p.current!;
  dead.process.kill('SIGKILL');
  await until('a new spare replaced the dead one', () => p.current !== null && p.current !== dead);
  const replacement = p.current!;
  const doc = await p.parse(pdf(), 'application/pdf');
  assert.equal(doc.pageCount, 2);
  assert.equal(p.current, null, 'the replacement was the one taken');
  p.replenish();
  assert.notEqual(p.current, replacement);
  assert.equal(p.started, 3);
  await p.close();
  await until('no child left', () => children().length === 0);
});

void test('under memory pressure no spare is kept, and parsing still works in a child of its own', async () => {
  let freeMb = 100;
  const p = pool({ freeMemory: () => freeMb * 2 ** 20 });
  assert.equal(p.current, null);
  const doc = await p.parse(pdf(), 'application/pdf');
  assert.equal(doc.pageCount, 2);
  p.replenish();
  assert.equal(p.started, 0);
  await until('the one-off child has exited', () => children().length === 0);
  // Memory back: the next document done starts a spare again, never more than one.
  freeMb = 4096;
  await Promise.all([1, 2, 3].map(() => p.parse(pdf(), 'application/pdf').finally(() => p.replenish())));
  await p.ready();
  await until('exactly one spare after a burst of parses', () => children().length === 1);
  await p.close();
  await until('no child left', () => children().length === 0);
});

void test('close() ends the spare, starts no other, and leaves no child process behind', async () => {
  const p = pool();
  await p.ready();
  assert.equal(children().length, 1);
  await p.close();
  await p.close(); // idempotent
  assert.equal(p.current, null);
  await until('no child left', () => children().length === 0, 10_000);
  // A parse after close still works, in its own child, and starts no spare.
  const doc = await p.parse(pdf(), 'application/pdf');
  assert.equal(doc.pageCount, 2);
  p.replenish();
  assert.equal(p.current, null);
  await until('no child left after the late parse', () => children().length === 0, 10_000);
});
