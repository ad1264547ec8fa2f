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
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ask, chatsOf, runCli as cli, totals, upload, vote, waitReady, waitTotals, type Asked, type Dirs } from '../support/backup-helpers.ts';
import { freePort, startRole, waitForHttp, type RoleProcess } from '../support/processes.ts';
import { testModels } from '../support/test-models.ts';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-backup-'));
const running: RoleProcess[] = [];
after(async () => {
  for (const p of running) await p.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

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

const FACTS = [
  ['heron.txt', 'The Heron Street bakery opens at six and sells rye loaves baked by Maren Voss.'],
  ['quarry.txt', 'The old granite quarry near Tollbridge flooded in 1931 and is now a diving lake.'],
  ['comet.txt', 'The amateur astronomer Idris Pell discovered the comet Pell-Marlow from his garden shed.'],
];
/** Uploaded one after another for as long as the backup runs. */
const LATE_FACTS = ['Wendel orchard', 'Korsholm ferry', 'Ostmark chapel', 'Brannock mill', 'Sellick harbour', 'Tamsin observatory', 'Quillon library', 'Dovecote farm'].map(
  (place, i) => [`late-${i}.txt`, `The ${place} keeps a ledger of ${i + 3} visiting ${['potters', 'cartographers', 'glaziers', 'weavers'][i % 4]} every spring.`],
);
const QUESTIONS = ['Who bakes the rye loaves at the Heron Street bakery?', 'What happened to the granite quarry near Tollbridge?', 'Who discovered the comet Pell-Marlow?'];

test('backup under load, restore into fresh folders: same chats, same sources, analytics counted once', async () => {
  const a = dirsOf('a');
  const docent = await startDocent(a);
  const base = docent.base;
  try {
    for (const [name, text] of FACTS) await waitReady(base, await upload(base, name!, text!));
    const asked: Asked[] = [];
    for (const q of QUESTIONS) asked.push(await ask(base, q));
    const votes = ['up', 'up', 'down'] as const;
    for (const [i, v] of votes.entries()) await vote(base, asked[i]!.answerId, v);
    await waitTotals(base, { answers: 3, votes: { up: 2, down: 1 } });

    // Under load: uploads and questions (in new chats) while the backup runs.
    const backupDir = path.join(tmp, 'backup');
    let backingUp = true;
    let askedDuring = 0;
    const load = Promise.all([
      (async () => {
        for (const [name, text] of LATE_FACTS) {
          if (!backingUp) break;
          await upload(base, name!, text!);
          await new Promise((r) => setTimeout(r, 150));
        }
      })(),
      (async () => {
        for (let i = 0; backingUp && i < 4; i++) {
          askedDuring++;
          await ask(base, `${QUESTIONS[i % QUESTIONS.length]!} Answer briefly.`);
        }
      })(),
    ]);
    const b = await cli('backup.ts', [backupDir], a).finally(() => (backingUp = false));
    await load;
    assert.equal(b.code, 0, b.out);
    console.log(`# ${b.out.trim().split('\n').at(-1)}`);
    const before = await chatsOf(base, asked.map((x) => x.chatId));

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
    assert.ok(backedUp >= 3 && backedUp <= 3 + askedDuring, `answers in the backup: ${backedUp}`);
    await new Promise((res) => setTimeout(res, 1500));
    assert.deepEqual(await totals(again.base), { answers: backedUp, votes: { up: 2, down: 1 } });

    // Chats from before the backup are equal.
    const after = await chatsOf(again.base, asked.map((x) => x.chatId));
    assert.deepEqual(after, before);

    // Every document the restored list calls ready is searchable; the others say why they are not.
    const docs = ((await (await fetch(`${again.base}/api/documents`)).json()) as { documents: Array<{ id: string; name: string; status: string; error: string | null }> }).documents;
    const allFacts = new Map([...FACTS, ...LATE_FACTS].map(([n, t]) => [n!, t!]));
    for (const d of docs) {
      if (d.status === 'ready') {
        const res = (await (await fetch(`${again.base}/api/search?q=${encodeURIComponent(allFacts.get(d.name)!)}&k=20`)).json()) as { results: Array<{ documentId: string }> };
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
