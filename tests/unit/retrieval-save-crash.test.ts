/**
 * Crash safety of index saves, proven by killing a real writer process inside the real FAISS save:
 * a child (tests/support/save-crash-child.ts) loads the saved index, adds documents and saves; it
 * is SIGKILLed while paused at each step of the save (SaveStep: version directory made, index
 * written, chunks.jsonl half written, ... temp pointer written), and once with no pause while a
 * large index is being written. Each time the previous version loads and searches correctly, the
 * half-written version is never loaded, and the next save works and clears the debris. Killed after
 * CURRENT was swapped, the new version is the one that loads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readCurrent, type SaveStep } from '../../src/retrieval/faiss-files.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { hashEmbed } from '../support/fake-embedder.ts';
import { CRASH_MANIFEST, NEW_DOC, SEED_DOC } from '../support/save-crash-data.ts';

const CHILD = path.resolve(import.meta.dirname, '../support/save-crash-child.ts');
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-save-crash-'));
let seedDir = '';
let seedVersion = '';

before(async () => {
  seedDir = path.join(root, 'seed');
  const s = await openFaissStore({ dir: seedDir, manifest: CRASH_MANIFEST });
  await s.addDocument(SEED_DOC.chunks, SEED_DOC.vectors);
  seedVersion = await s.save();
  await s.close();
});
after(() => fs.rm(root, { recursive: true, force: true }));

interface Writer {
  /** Resolves with the first stdout line matching `re`; rejects if the child exits first. */
  line(re: RegExp): Promise<string>;
  kill(): Promise<void>;
  output(): string;
}

function startWriter(dir: string, args: string[]): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return {
    line: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.split('\n').find((l) => re.test(l));
          if (m !== undefined) {
            child.stdout.off('data', check);
            resolve(m);
          }
        };
        child.stdout.on('data', check);
        check();
        void exited.then(() => reject(new Error(`writer exited (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${out}`)));
      }),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      assert.equal(child.signalCode, 'SIGKILL', `the writer was killed, not finished:\n${out}`);
    },
    output: () => out,
  };
}

async function copySeed(name: string): Promise<string> {
  const dir = path.join(root, name);
  await fs.cp(seedDir, dir, { recursive: true });
  return dir;
}

const versionDirs = async (dir: string) => (await fs.readdir(dir)).filter((e) => /^v-/.test(e)).sort();

/** After a crash before the swap: the seed version loads and searches, the next save works and clears the debris. */
async function assertPreviousSurvives(dir: string, halfWritten: string): Promise<void> {
  assert.ok((await versionDirs(dir)).includes(halfWritten), 'the killed save had started its version');
  const store = await openFaissStore({ dir, manifest: CRASH_MANIFEST });
  try {
    assert.equal(store.version, seedVersion, 'CURRENT still names the previous version');
    assert.equal(store.size, SEED_DOC.chunks.length);
    const hits = await store.search(hashEmbed('when does the ferry leave the pier'), 5);
    assert.equal(hits[0]?.text, 'ferries leave from the south pier at noon');
    assert.ok(!store.hasDocument(NEW_DOC.chunks[0]!.documentId), 'nothing of the killed save is visible');

    await store.addDocument(NEW_DOC.chunks, NEW_DOC.vectors);
    const next = await store.save();
    assert.deepEqual(await versionDirs(dir), [seedVersion, next].sort(), 'the next save removed the half-written version');
    assert.deepEqual((await fs.readdir(dir)).filter((e) => e.endsWith('.tmp')), [], 'and any temp pointer');
  } finally {
    await store.close();
  }
  const reopened = await openFaissStore({ dir, manifest: CRASH_MANIFEST });
  try {
    assert.equal(reopened.size, SEED_DOC.chunks.length + NEW_DOC.chunks.length);
    const hits = await reopened.search(hashEmbed('sourdough starter flour'), 1);
    assert.equal(hits[0]?.documentName, 'bakery.txt');
  } finally {
    await reopened.close();
  }
}

const STOPS: Array<[SaveStep, number]> = [
  ['version-dir', 1],
  ['index', 1],
  ['chunks-part', 2],
  ['vectors', 1],
  ['manifest', 1],
  ['version-synced', 1],
  ['current-temp', 1],
];

for (const [step, n] of STOPS) {
  void test(`a writer killed inside save at "${step}"${n > 1 ? ` #${n}` : ''} leaves the previous version loadable and searchable`, async () => {
    const dir = await copySeed(`${step}-${n}`);
    const writer = startWriter(dir, ['pause', step, String(n)]);
    const paused = await writer.line(/^paused /);
    await writer.kill();
    const version = paused.split(' ')[2]!;
    if (step === 'chunks-part') {
      const partial = await fs.readFile(path.join(dir, version, 'chunks.jsonl'), 'utf8');
      const lines = partial.split('\n').filter(Boolean).length;
      assert.ok(lines > 0 && lines < SEED_DOC.chunks.length + NEW_DOC.chunks.length + 3000, `chunks.jsonl was half written (${lines} lines)`);
    }
    await assertPreviousSurvives(dir, version);
  });
}

void test('a writer killed right after CURRENT was swapped: the new version is complete and is the one that loads', async () => {
  const dir = await copySeed('current');
  const writer = startWriter(dir, ['pause', 'current', '1']);
  const version = (await writer.line(/^paused /)).split(' ')[2]!;
  await writer.kill();
  const store = await openFaissStore({ dir, manifest: CRASH_MANIFEST });
  try {
    assert.equal(store.version, version);
    assert.equal(store.size, SEED_DOC.chunks.length + NEW_DOC.chunks.length + 3000);
    assert.equal((await store.search(hashEmbed('sourdough starter flour'), 1))[0]?.documentName, 'bakery.txt');
    assert.equal((await store.search(hashEmbed('ferry south pier'), 1))[0]?.documentName, 'harbour.txt');
  } finally {
    await store.close();
  }
});

void test('a writer SIGKILLed while it writes a large index (no pause) leaves the previous version loadable', async () => {
  const dir = await copySeed('race');
  // inotify tells the moment the new version directory appears; the kill lands while it is written.
  // The watch is in place before the writer starts: a save that begins at once is not missed.
  const watcher = watch(dir);
  const appeared = new Promise<string>((resolve) => {
    watcher.on('change', (_event, name) => {
      if (typeof name === 'string' && /^v-/.test(name) && name !== seedVersion) resolve(name);
    });
  });
  try {
    // 40 documents of 1,000 chunks: index.faiss and vectors.f32 of about 60 MB each, written and fsynced.
    const writer = startWriter(dir, ['race', '40']);
    const finished = writer.line(/^saved /).then((l) => {
      throw new Error(`the writer finished its save before its version directory was seen: ${l}`);
    });
    const version = await Promise.race([appeared, finished]);
    await writer.kill();
    assert.ok(!/^saved /m.test(writer.output()), 'the kill landed inside the save');
    assert.equal(await readCurrent(dir), seedVersion);
    await assertPreviousSurvives(dir, version);
  } finally {
    watcher.close();
  }
});
