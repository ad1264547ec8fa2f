/**
 * Backup and restore against a real `npm start` process (every role in one process, in-process bus
 * and event log, the small real test models): documents are ingested, questions asked and voted
 * on, then `npm run backup` runs while uploads and questions continue. The backup is restored into
 * fresh folders and Docent started on them: the chats from before the backup are equal, the same
 * questions find the same sources, analytics counts every answer and vote once, and every document
 * the restored list calls ready is found by search. A changed byte makes restore refuse; so do a
 * non-empty folder and a folder a running Docent uses.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freePort, ROOT, startRole, waitForHttp, type RoleProcess } from '../support/processes.ts';
import { testModels } from '../support/test-models.ts';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-backup-'));
const running: RoleProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Dirs {
  DATA_DIR: string;
  VECTORSTORE_DIR: string;
}
const dirsOf = (name: string): Dirs => ({ DATA_DIR: path.join(tmp, name, 'data'), VECTORSTORE_DIR: path.join(tmp, name, 'vectorstore') });

async function startDocent(dirs: Dirs): Promise<{ base: string; proc: RoleProcess }> {
  const models = testModels();
  const port = await freePort();
  const proc = startRole('all-in-one', 'start.ts', {
    ...dirs,
    PORT: String(port),
    HOST: '127.0.0.1',
    CHAT_MODEL: models.chat,
    EMBED_MODEL: models.embed,
    LLM_THREADS: '1',
    AMQP_URL: '',
    KAFKA_BROKERS: '',
  });
  running.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/readyz`, 120_000, [proc]);
  return { base, proc };
}

/** Runs `npm run backup|restore` (the same entrypoint) with the given folders. */
function cli(bin: 'backup.ts' | 'restore.ts', args: string[], dirs: Dirs): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/bin', bin), ...args], { cwd: ROOT, env: { ...process.env, ...dirs }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const FACTS = [
  ['heron.txt', 'The Heron Street bakery opens at six and sells rye loaves baked by Maren Voss.'],
  ['quarry.txt', 'The old granite quarry near Tollbridge flooded in 1931 and is now a diving lake.'],
  ['comet.txt', 'The amateur astronomer Idris Pell discovered the comet Pell-Marlow from his garden shed.'],
];
const LATE_FACTS = [
  ['orchard.txt', 'The Wendel orchard grows forty kinds of pear, the oldest tree planted in 1802.'],
  ['ferry.txt', 'The night ferry to Korsholm carries bicycles free of charge on weekdays.'],
  ['bell.txt', 'The chapel bell of Ostmark was recast after a frost cracked it in the winter of 1888.'],
];
const QUESTIONS = ['Who bakes the rye loaves at the Heron Street bakery?', 'What happened to the granite quarry near Tollbridge?', 'Who discovered the comet Pell-Marlow?'];

async function upload(base: string, name: string, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text]), name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
}

async function waitReady(base: string, id: string): Promise<void> {
  const end = Date.now() + 120_000;
  for (;;) {
    const doc = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string };
    if (doc.status === 'ready') return;
    assert.notEqual(doc.status, 'failed');
    assert.ok(Date.now() < end, `document ${id} did not become ready`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Asked {
  chatId: string;
  answerId: string;
  sources: string[];
}
/** k = 1: the documents uploaded under load may enter the restored index, and must not change the best passage. */
async function ask(base: string, question: string): Promise<Asked> {
  const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, settings: { temperature: 0, seed: 1, maxTokens: 12, k: 1 } }) });
  assert.equal(res.status, 200, await res.clone().text());
  const r = (await res.json()) as { chatId: string; answerId: string; sources: Array<{ documentId: string; chunkId: string }> };
  return { chatId: r.chatId, answerId: r.answerId, sources: r.sources.map((s) => `${s.documentId}#${s.chunkId}`) };
}

interface Summary {
  answers: number;
  votes: { up: number; down: number };
}
const summary = async (base: string): Promise<Summary> => (await (await fetch(`${base}/api/analytics/summary?range=all`)).json()) as Summary;

async function waitSummary(base: string, want: Summary): Promise<void> {
  const end = Date.now() + 60_000;
  let s = await summary(base);
  while ((s.answers !== want.answers || s.votes.up !== want.votes.up || s.votes.down !== want.votes.down) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    s = await summary(base);
  }
  assert.deepEqual({ answers: s.answers, votes: s.votes }, want);
}

test('backup under load, restore into fresh folders: same chats, same sources, analytics counted once', async () => {
  const a = dirsOf('a');
  const docent = await startDocent(a);
  const base = docent.base;
  try {
    for (const [name, text] of FACTS) await waitReady(base, await upload(base, name!, text!));
    const asked: Asked[] = [];
    for (const q of QUESTIONS) asked.push(await ask(base, q));
    const votes = ['up', 'up', 'down'];
    for (const [i, v] of votes.entries()) {
      const res = await fetch(`${base}/api/votes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ answerId: asked[i]!.answerId, vote: v }) });
      assert.equal(res.status, 202);
    }
    await waitSummary(base, { answers: 3, votes: { up: 2, down: 1 } });

    // Under load: uploads and questions (in new chats) while the backup runs.
    const backupDir = path.join(tmp, 'backup');
    const load = Promise.all([
      (async () => {
        for (const [name, text] of LATE_FACTS) await upload(base, name!, text!);
      })(),
      (async () => {
        for (const q of QUESTIONS.slice(0, 2)) await ask(base, `${q} Answer briefly.`);
      })(),
    ]);
    const b = await cli('backup.ts', [backupDir], a);
    await load;
    assert.equal(b.code, 0, b.out);
    console.log(`# ${b.out.trim().split('\n').at(-1)}`);
    const before = await Promise.all(asked.map(async (x) => (await fetch(`${base}/api/chats/${x.chatId}`)).json() as Promise<unknown>));

    // A running Docent's folders are refused, as is a folder that holds something.
    const intoLive = await cli('restore.ts', [backupDir], a);
    assert.equal(intoLive.code, 1);
    assert.match(intoLive.out, /Docent is running on .*stop it before restoring/);
    const full = dirsOf('full');
    await fs.mkdir(full.DATA_DIR, { recursive: true });
    await fs.writeFile(path.join(full.DATA_DIR, 'chats.db'), 'something');
    const intoFull = await cli('restore.ts', [backupDir], full);
    assert.equal(intoFull.code, 1);
    assert.match(intoFull.out, /is not empty \(chats\.db\); restore into an empty folder, or add --force/);
    assert.equal(await fs.readFile(path.join(full.DATA_DIR, 'chats.db'), 'utf8'), 'something', 'nothing was touched');

    // A changed byte: refused with the file named, nothing written.
    const bad = path.join(tmp, 'bad-backup');
    await fs.cp(backupDir, bad, { recursive: true });
    const victim = path.join(bad, 'data', 'chats.db');
    const bytes = await fs.readFile(victim);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0x01;
    await fs.writeFile(victim, bytes);
    const c = dirsOf('c');
    const corrupt = await cli('restore.ts', [bad], c);
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.out, /the backup in .* is damaged; nothing was restored:\n\s+data\/chats\.db: content changed/);
    assert.equal(await fs.access(c.DATA_DIR).then(() => true, () => false), false);

    await docent.proc.stop();
    const r = dirsOf('restored');
    const restored = await cli('restore.ts', [backupDir], r);
    assert.equal(restored.code, 0, restored.out);
    const again = await startDocent(r);

    // Analytics: exactly what the backup's store held, each vote once; nothing replayed after start.
    const backupDb = new Database(path.join(backupDir, 'data', 'analytics.db'), { readonly: true });
    const backedUp = (backupDb.prepare('SELECT COUNT(*) AS n FROM answers').get() as { n: number }).n;
    backupDb.close();
    assert.ok(backedUp >= 3 && backedUp <= 5, `answers in the backup: ${backedUp}`);
    await new Promise((res) => setTimeout(res, 1500));
    const s = await summary(again.base);
    assert.deepEqual({ answers: s.answers, votes: s.votes }, { answers: backedUp, votes: { up: 2, down: 1 } });

    // Chats from before the backup are equal.
    const after = await Promise.all(asked.map(async (x) => (await fetch(`${again.base}/api/chats/${x.chatId}`)).json() as Promise<unknown>));
    assert.deepEqual(after, before);

    // Every document the restored list calls ready is searchable; the others say why they are not.
    const docs = ((await (await fetch(`${again.base}/api/documents`)).json()) as { documents: Array<{ id: string; name: string; status: string; error: string | null }> }).documents;
    const allFacts = new Map([...FACTS, ...LATE_FACTS].map(([n, t]) => [n!, t!]));
    for (const d of docs) {
      if (d.status === 'ready') {
        const res = (await (await fetch(`${again.base}/api/search?q=${encodeURIComponent(allFacts.get(d.name)!)}&k=5`)).json()) as { results: Array<{ documentId: string }> };
        assert.ok(res.results.some((x) => x.documentId === d.id), `${d.name} is ready and found`);
      } else {
        assert.equal(d.status, 'failed', `${d.name}: ${d.status}`);
        assert.match(d.error ?? '', /being ingested while the backup was taken; upload it again/);
      }
    }
    for (const [name] of FACTS) assert.ok(docs.some((d) => d.name === name && d.status === 'ready'), `${name} ready`);
    console.log(`# restored documents: ${docs.map((d) => `${d.name}=${d.status}`).join(', ')}; answers in the backup: ${backedUp}`);

    // The same questions find the same sources.
    for (const [i, q] of QUESTIONS.entries()) assert.deepEqual((await ask(again.base, q)).sources, asked[i]!.sources, q);
  } catch (err) {
    throw new Error(`${String(err)}\n--- service output\n${running.map((p) => p.output().split('\n').slice(-30).join('\n')).join('\n---\n')}`, { cause: err });
  }
});
