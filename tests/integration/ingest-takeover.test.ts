/**
 * One index writer at a time, with a standby that takes over: two ingest workers as real
 * processes on the real RabbitMQ (single-active-consumer on ingest.jobs). The active one is
 * SIGKILLed in the middle of a long document, wherever it is (parsing, embedding or saving); the
 * standby gets the redelivered job, the document ends ready and searchable, and the index the
 * killed writer left behind still loads.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { brokerRoleEnv } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { makePdf } from '../support/make-pdf.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';

const procs: RoleProcess[] = [];
let tmp: string;
let base: string;
let prefix: string;
let first: RoleProcess;
let second: RoleProcess;

// Long enough (about 600 chunks) that embedding takes seconds even on a quiet machine.
const PAGES = Array.from({ length: 150 }, (_, i) =>
  [`Chapter ${i + 1} of the harbour almanac.`,
    ...Array.from({ length: 12 }, (_, s) => `Tide table ${i + 1}.${s + 1}: the ferry to Qorvath leaves at ${(s % 12) + 1} o'clock and the keeper logs the weather.`)].join('\n'),
);
PAGES[33] = 'The almanac records that the Qorvath fog bell was cast in 1911 by the foundry of Ansel Reeve.';

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-takeover-'));
  prefix = `t${randomBytes(4).toString('hex')}.`;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const common = {
    ...brokerRoleEnv(prefix),
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
    EMBED_BATCH: '4',
    CHUNK_SIZE: '300',
    CHUNK_OVERLAP: '50',
    LOG_LEVEL: 'debug',
  };
  // Both workers read the uploads the web stored, as they would from shared storage.
  const data = path.join(tmp, 'data');
  first = startRole('ingest-1', 'ingest-worker.ts', { ...common, DATA_DIR: data, WORKER_ID: 'ingest-1' });
  procs.push(first);
  await waitForOutput(first, 'ingest worker ready', 120_000);
  second = startRole('ingest-2', 'ingest-worker.ts', { ...common, DATA_DIR: data, WORKER_ID: 'ingest-2' });
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: data, PORT: String(port) });
  procs.push(second, web);
  await Promise.all([waitForOutput(second, 'ingest worker ready', 120_000), waitForHttp(`${base}/readyz`, 120_000, procs)]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await deleteRabbitPrefix(prefix).catch(() => undefined);
  await fs.rm(tmp, { recursive: true, force: true });
});

test('the standby ingest worker takes over a job when the active one is killed mid-document', async () => {
  try {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(makePdf(PAGES))], { type: 'application/pdf' }), 'almanac.pdf');
    const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
    const body = await res.text();
    assert.equal(res.status, 202, body);
    const { documents } = JSON.parse(body) as { documents: Array<{ id: string }> };
    const id = documents[0]!.id;

    // Wait until the active worker is well into the job, then kill it without warning.
    const deadline = Date.now() + 120_000;
    let stage = '';
    while (Date.now() < deadline) {
      const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string; stage: string; progress: number };
      stage = d.stage;
      // A PDF is embedded while it is read (stage `parsing`, progress following the embedding), so
      // wait for progress well into the embedding, whatever the stage is called.
      if (d.status === 'processing' && d.progress >= 0.25) break;
      assert.notEqual(d.status, 'ready', 'the document finished before the worker could be killed: make it longer');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!second.output().includes(id), 'the standby had not touched the job before the kill');
    assert.ok(!/"msg":"ingested"/.test(first.output()), 'the active worker was killed before it finished the document');
    first.child.kill('SIGKILL');
    await new Promise<void>((resolve) => first.child.once('exit', () => resolve()));

    let final: { status: string; error: string | null; chunks: number | null } = { status: '', error: null, chunks: null };
    const end = Date.now() + 180_000;
    while (Date.now() < end) {
      final = (await (await fetch(`${base}/api/documents/${id}`)).json()) as typeof final;
      if (final.status === 'ready' || final.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(final.status, 'ready', `killed at stage ${stage}; ended ${final.status}: ${final.error}`);
    assert.ok((final.chunks ?? 0) >= PAGES.length, `${final.chunks} chunks`);
    assert.ok(second.output().includes(id), 'the standby worker did the job');

    const search = (await (await fetch(`${base}/api/search?q=${encodeURIComponent('Who cast the Qorvath fog bell?')}&k=3`)).json()) as {
      results: Array<{ documentName: string; page: number | null; text: string }>;
    };
    assert.ok(search.results.some((r) => r.page === 34 && r.text.includes('Ansel Reeve')), JSON.stringify(search.results));
  } catch (err) {
    throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-4000)}`).join('\n')}`, { cause: err });
  }
});
