/**
 * Backup and restore with the roles apart over a real RabbitMQ and a real Kafka: web (its own
 * DATA_DIR), ingest worker, answer worker and analytics consumer (its own DATA_DIR), one shared
 * VECTORSTORE_DIR. Each DATA_DIR is backed up on its own while they run; votes and a question
 * follow the backups; everything is stopped and restored into fresh folders; the roles start again
 * on the same topics. The web's chats are those of the backup; the analytics store resumes from the
 * Kafka offsets it recorded, so the answers and votes given after the backup are consumed again
 * from Kafka and every event is counted exactly once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ask, chatsOf, runCli, totals, upload, vote, waitReady, waitTotals, type Asked } from '../support/backup-helpers.ts';
import { requireKafka, requireRabbit } from '../support/brokers.ts';
import { brokerRoleEnv } from '../support/brokers-env.ts';
import { freePort, startRole, testRoleEnv, waitForHttp, waitForOutput, type RoleProcess } from '../support/processes.ts';

before(async () => {
  await requireRabbit();
  await requireKafka();
});

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-backup-roles-'));
const procs: RoleProcess[] = [];
after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
});

const prefix = `t${randomBytes(4).toString('hex')}.`;

/** The four roles on the given folders (`<root>/web`, `<root>/analytics`, `<root>/vectorstore`); returns the web's address. */
async function startRoles(root: string): Promise<{ base: string; stop: () => Promise<void> }> {
  const [webPort, analyticsPort] = [await freePort(), await freePort()];
  const common = { ...brokerRoleEnv(prefix), ...testRoleEnv(path.join(root, 'vectorstore')) };
  const started = [
    startRole('analytics', 'analytics.ts', { ...common, DATA_DIR: path.join(root, 'analytics'), ANALYTICS_PORT: String(analyticsPort) }),
    startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(root, 'ingest') }),
    startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(root, 'answer'), WORKER_ID: 'answer-1' }),
    startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(root, 'web'), PORT: String(webPort), ANALYTICS_URL: `http://127.0.0.1:${analyticsPort}` }),
  ];
  procs.push(...started);
  const base = `http://127.0.0.1:${webPort}`;
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${analyticsPort}/healthz`, 120_000, started),
    waitForOutput(started[1]!, 'ingest worker ready', 120_000),
    waitForOutput(started[2]!, 'answer worker ready', 120_000),
    waitForHttp(`${base}/readyz`, 120_000, started),
  ]);
  return { base, stop: () => Promise.all(started.map((p) => p.stop())).then(() => undefined) };
}

test('roles apart on RabbitMQ and Kafka: each DATA_DIR backed up and restored; analytics resumes from its offsets without double counting', async () => {
  try {
    const first = path.join(tmp, 'first');
    const live = await startRoles(first);
    const facts = [
      ['heron.txt', 'The Heron Street bakery opens at six and sells rye loaves baked by Maren Voss.'],
      ['comet.txt', 'The amateur astronomer Idris Pell discovered the comet Pell-Marlow from his garden shed.'],
    ];
    for (const [name, text] of facts) await waitReady(live.base, await upload(live.base, name!, text!));
    const questions = ['Who bakes the rye loaves at the Heron Street bakery?', 'Who discovered the comet Pell-Marlow?'];
    const asked: Asked[] = [];
    for (const q of questions) asked.push(await ask(live.base, q));
    await waitTotals(live.base, { answers: 2, votes: { up: 0, down: 0 } });

    // The web's folder with the index, and the analytics folder, each backed up while all run.
    const webBackup = path.join(tmp, 'backup-web');
    const analyticsBackup = path.join(tmp, 'backup-analytics');
    const vs = path.join(first, 'vectorstore');
    const bw = await runCli('backup.ts', [webBackup], { DATA_DIR: path.join(first, 'web'), VECTORSTORE_DIR: vs });
    assert.equal(bw.code, 0, bw.out);
    const ba = await runCli('backup.ts', [analyticsBackup], { DATA_DIR: path.join(first, 'analytics'), VECTORSTORE_DIR: vs });
    assert.equal(ba.code, 0, ba.out);

    const chatsBefore = await chatsOf(live.base, asked.map((a) => a.chatId));

    // Work after the backups: in Kafka, not in the backups. The votes land in partitions of `votes`
    // the backed-up store never read, which the group has committed past before the restore.
    await vote(live.base, asked[0]!.answerId, 'up');
    await vote(live.base, asked[1]!.answerId, 'down');
    const later = await ask(live.base, 'Where does Maren Voss bake?');
    await vote(live.base, later.answerId, 'up');
    await waitTotals(live.base, { answers: 3, votes: { up: 2, down: 1 } });
    await live.stop();

    const second = path.join(tmp, 'second');
    const rw = await runCli('restore.ts', [webBackup], { DATA_DIR: path.join(second, 'web'), VECTORSTORE_DIR: path.join(second, 'vectorstore') });
    assert.equal(rw.code, 0, rw.out);
    const ra = await runCli('restore.ts', [analyticsBackup], { DATA_DIR: path.join(second, 'analytics'), VECTORSTORE_DIR: path.join(second, 'analytics-index') });
    assert.equal(ra.code, 0, ra.out);
    const restored = await startRoles(second);

    // Answers and votes from after the backup come back from Kafka, each once.
    await waitTotals(restored.base, { answers: 3, votes: { up: 2, down: 1 } }, 120_000).catch((err: unknown) => {
      throw new Error(`the restored analytics did not count the events after the backup: ${String(err)}`, { cause: err });
    });
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await totals(restored.base), { answers: 3, votes: { up: 2, down: 1 } }, 'nothing counted twice');
    const analyticsOut = procs.find((p) => p.name === 'analytics' && p !== procs[0])?.output() ?? '';
    assert.match(analyticsOut, /resuming from the offset the store recorded/);

    // The web holds the chats of the backup; the chat asked after it is not there.
    assert.deepEqual(await chatsOf(restored.base, asked.map((a) => a.chatId)), chatsBefore);
    assert.equal((await fetch(`${restored.base}/api/chats/${later.chatId}`)).status, 404);
    for (const [i, q] of questions.entries()) assert.deepEqual((await ask(restored.base, q)).sources, asked[i]!.sources, q);
  } catch (err) {
    throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output().split('\n').slice(-20).join('\n')}`).join('\n')}`, { cause: err });
  }
});
