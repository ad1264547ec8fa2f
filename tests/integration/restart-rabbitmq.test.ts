/**
 * RabbitMQ restarted under real processes: web, answer worker and ingest worker (small real models)
 * run on a private RabbitMQ node (tests/support/private-brokers.ts; the shared broker is never
 * touched). A question is in flight when the node is stopped and started again (a full stop of the
 * Erlang VM, its durable state kept). The asker gets an answer or a clear error within the answer
 * deadline, never a hang; afterwards every process has reconnected by itself, a new question is
 * answered and a new upload is ingested.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startPrivateRabbit, type PrivateBroker } from '../support/private-brokers.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';
import { readSse, sseEvents, type SseEvent } from '../support/sse.ts';

const STORY = 'Write a very long story about the lighthouse keeper of Qorvath, with many chapters.';
const QUESTION = 'Who keeps the lighthouse of Qorvath harbour?';
const FACTS = 'Harbour guide.\n\nThe lighthouse of Qorvath harbour is kept by Ilsabet Marrow. She has kept the Qorvath light since 1987.';
const MORE = 'Ferry notes.\n\nThe ferry to Qorvath leaves at seven every morning from the north pier.';
/** Small, so an answer lost with the broker ends the asker's wait soon. */
const ANSWER_TIMEOUT_MS = 20_000;

let rabbit: PrivateBroker | undefined;
const procs: RoleProcess[] = [];
let base: string;
let tmp: string | undefined;

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

const connects = (p: RoleProcess): number => p.output().split('"RabbitMQ connected"').length - 1;

async function upload(name: string, text: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const up = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  assert.equal(up.status, 202, await up.clone().text());
  const { documents } = (await up.json()) as { documents: Array<{ id: string }> };
  const end = Date.now() + 90_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${documents[0]!.id}`)).json()) as { status: string };
    if (d.status === 'ready') return;
    if (d.status === 'failed' || Date.now() > end) assert.fail(`${name} not indexed: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function ask(question: string, settings: Record<string, number>, onEvent?: (e: SseEvent) => void): Promise<SseEvent[]> {
  const t0 = Date.now();
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, settings }),
  });
  if (res.status !== 200) assert.fail(`ask answered ${res.status}: ${await res.text()}`);
  if (!onEvent) return readSse(res, t0);
  const events: SseEvent[] = [];
  for await (const e of sseEvents(res, t0)) {
    events.push(e);
    onEvent(e);
  }
  return events;
}

before(async () => {
  const t0 = Date.now();
  rabbit = await startPrivateRabbit();
  console.log(`# private RabbitMQ ${rabbit.address} up in ${Date.now() - t0} ms`);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-restart-rmq-'));
  const webPort = await freePort();
  base = `http://127.0.0.1:${webPort}`;
  const common = {
    AMQP_URL: rabbit.address,
    AMQP_PREFIX: 'restart.',
    KAFKA_BROKERS: '',
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
    ANSWER_TIMEOUT_MS: String(ANSWER_TIMEOUT_MS),
  };
  procs.push(
    startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest') }),
    startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-1' }),
    startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort) }),
  );
  try {
    await Promise.all([
      waitForOutput(procs[0]!, 'ingest worker ready', 120_000),
      waitForOutput(procs[1]!, 'answer worker ready', 120_000),
      waitForHttp(`${base}/readyz`, 120_000, procs),
    ]);
    await upload('harbour-guide.txt', FACTS);
  } catch (err) {
    fail(err);
  }
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await rabbit?.dispose();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

test('RabbitMQ restart mid-answer: a bounded answer or error, then every process reconnects by itself', { timeout: 150_000 }, async () => {
  try {
    const broker = rabbit!;
    const before = new Map(procs.map((p) => [p.name, connects(p)]));
    let restarted: Promise<number> | undefined;
    const t0 = Date.now();
    const events = await ask(STORY, { temperature: 0, maxTokens: 400, seed: 2 }, (e) => {
      if (e.event === 'token' && !restarted) restarted = broker.restart();
    });
    const waited = Date.now() - t0;
    assert.ok(restarted, `the broker was restarted mid-answer (events: ${events.map((e) => e.event).join(',')})`);
    const last = events.at(-1);
    assert.ok(last && (last.event === 'done' || last.event === 'error'), `the stream ends with done or error: ${JSON.stringify(last)}`);
    if (last.event === 'error') {
      const { error, message } = last.data as { error?: unknown; message?: unknown };
      const text = error ?? message;
      assert.ok(typeof text === 'string' && text.length > 10, `a clear error: ${JSON.stringify(last.data)}`);
    }
    assert.ok(waited < ANSWER_TIMEOUT_MS + 15_000, `bounded by the answer deadline (${waited} ms)`);
    const downMs = await restarted;
    console.log(`# in-flight question ended with ${last.event} ${last.event === 'error' ? JSON.stringify(last.data) : ''} after ${waited} ms; broker stop+start took ${downMs} ms`);

    // Nobody restarts anything: each process must reconnect on its own.
    const t1 = Date.now();
    for (const p of procs) {
      const end = Date.now() + 60_000;
      while (connects(p) <= before.get(p.name)!) {
        if (Date.now() > end) assert.fail(`${p.name} did not reconnect`);
        if (p.child.exitCode !== null) assert.fail(`${p.name} exited with ${p.child.exitCode}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    console.log(`# all processes reconnected ${Date.now() - t1} ms after the broker was back`);

    const t2 = Date.now();
    const answer = await ask(QUESTION, { temperature: 0, maxTokens: 24, seed: 1 });
    assert.equal(answer.at(-1)?.event, 'done', JSON.stringify(answer.at(-1)));
    await upload('ferry-notes.txt', MORE);
    console.log(`# after the restart: question answered and upload ingested in ${Date.now() - t2} ms`);
  } catch (err) {
    fail(err);
  }
});

test('readiness follows the broker: 503 naming RabbitMQ while it is down, ready again once it is back', { timeout: 120_000 }, async () => {
  const readyz = async () => {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  const until = async (what: string, ok: (r: Awaited<ReturnType<typeof readyz>>) => boolean) => {
    const end = Date.now() + 60_000;
    for (;;) {
      const r = await readyz();
      if (ok(r)) return r;
      if (Date.now() > end) assert.fail(`${what}: last /readyz ${r.status} ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  };
  try {
    assert.equal((await readyz()).status, 200);
    await rabbit!.stop();
    const down = await until('not ready while RabbitMQ is down', (r) => r.status === 503);
    assert.match(down.body.checks.messaging ?? '', /RabbitMQ unreachable/);
    await rabbit!.start();
    const up = await until('ready once RabbitMQ is back', (r) => r.status === 200);
    assert.equal(up.body.checks.messaging, 'ok');
  } catch (err) {
    fail(err);
  }
});
