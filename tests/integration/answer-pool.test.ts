/**
 * The answer worker pool as real processes over the real RabbitMQ, with the small real models:
 * one web, one ingest worker, two answer workers (answer-a, answer-b) sharing an index.
 * - Stop: the browser leaves a long streamed answer; the worker aborts it and is free at once.
 * - Failover: the worker answering is SIGKILLed after the first token; RabbitMQ redelivers the
 *   request to the other worker, the stream shows `restart` and ends with `done` from it.
 * - Drain: the last worker gets SIGTERM mid-answer, finishes it (`done`), then exits 0.
 * - Busy: with no workers and ANSWER_QUEUE_MAX_LENGTH 1, POST /api/ask answers 503 + Retry-After.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { brokerUrls } from '../support/brokers-env.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';
import { sseEvents } from '../support/sse.ts';

const STORY = 'Write a very long story about the lighthouse keeper of Qorvath, with many chapters.';
const QUESTION = 'Who keeps the lighthouse of Qorvath harbour?';
const FACTS = 'Harbour guide.\n\nThe lighthouse of Qorvath harbour is kept by Ilsabet Marrow. She has kept the Qorvath light since 1987 and repaints the tower every spring.';

const procs: RoleProcess[] = [];
const workers = new Map<string, RoleProcess>();
let base: string;
let tmp: string;
let common: Record<string, string>;
const prefixes: string[] = [];

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-pool-'));
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  prefixes.push(prefix);
  const webPort = await freePort();
  base = `http://127.0.0.1:${webPort}`;
  common = {
    AMQP_URL: brokerUrls().amqpUrl,
    AMQP_PREFIX: prefix,
    KAFKA_BROKERS: '',
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
    SHUTDOWN_TIMEOUT_MS: '60000',
  };
  const ingest = startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest') });
  for (const id of ['answer-a', 'answer-b']) {
    const w = startRole(id, 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, id), WORKER_ID: id });
    workers.set(id, w);
    procs.push(w);
  }
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort) });
  procs.push(ingest, web);
  await Promise.all([
    waitForOutput(ingest, 'ingest worker ready', 120_000),
    ...[...workers.values()].map((w) => waitForOutput(w, 'answer worker ready', 120_000)),
    waitForHttp(`${base}/readyz`, 120_000, procs),
  ]);
  const form = new FormData();
  form.append('file', new Blob([FACTS], { type: 'text/plain' }), 'harbour-guide.txt');
  const up = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  assert.equal(up.status, 202, await up.clone().text());
  const { documents } = (await up.json()) as { documents: Array<{ id: string }> };
  const end = Date.now() + 120_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${documents[0]!.id}`)).json()) as { status: string; error?: string };
    if (d.status === 'ready') break;
    if (d.status === 'failed' || Date.now() > end) fail(`document not indexed: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  // The request queues are durable: leave nothing behind on the shared broker.
  const conn = await amqp.connect(brokerUrls().amqpUrl);
  const ch = await conn.createChannel();
  for (const p of prefixes) {
    for (const q of ['answer.requests', 'answer.requests.dead', 'ingest.jobs', 'ingest.jobs.dead']) await ch.deleteQueue(`${p}${q}`);
    for (const x of ['answer.cancels', 'ingest.events', 'index.updates', 'dlx']) await ch.deleteExchange(`${p}${x}`);
  }
  await conn.close();
});

interface Event {
  event: string;
  data: Record<string, unknown>;
}

/** Streams an answer, calling `onEvent` as each SSE event arrives; returns them all. */
async function ask(settings: Record<string, number>, question: string, onEvent: (e: Event) => void | Promise<void> = () => {}, signal?: AbortSignal): Promise<Event[]> {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, settings }),
    ...(signal ? { signal } : {}),
  });
  // Read the body only on failure: reading it for the message would wait for the whole stream.
  if (res.status !== 200) assert.fail(`ask answered ${res.status}: ${await res.text()}`);
  const events: Event[] = [];
  try {
    for await (const e of sseEvents(res)) {
      const ev = { event: e.event, data: e.data as Record<string, unknown> };
      events.push(ev);
      await onEvent(ev);
    }
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
  return events;
}

const count = (p: RoleProcess, text: string): number => p.output().split(text).length - 1;

/** The worker that started an answer since `before` (each logs "answering" as it picks one up). */
function answering(before: Map<string, number>): string | undefined {
  return [...workers].find(([id, w]) => count(w, '"answering"') > (before.get(id) ?? 0))?.[0];
}
const snapshot = (): Map<string, number> => new Map([...workers].map(([id, w]) => [id, count(w, '"answering"')]));

test('Stop: leaving a long streamed answer aborts it on the worker, which then answers the next question', async () => {
  try {
    const before = snapshot();
    const stop = new AbortController();
    await ask({ temperature: 0, maxTokens: 2048 }, STORY, (e) => {
      if (e.event === 'token') stop.abort();
    }, stop.signal);
    const id = answering(before);
    assert.ok(id, 'a worker started the answer');
    const w = workers.get(id)!;
    await waitForOutput(w, 'answer cancelled; generation stopped', 30_000);
    const events = await ask({ temperature: 0, maxTokens: 24, seed: 1 }, QUESTION);
    assert.equal(events.at(-1)?.event, 'done', JSON.stringify(events.at(-1)));
  } catch (err) {
    fail(err);
  }
});

test('Failover: SIGKILL of the worker answering; the other worker answers, the stream restarts and ends with done', async () => {
  try {
    const before = snapshot();
    let killed: string | undefined;
    const t0 = Date.now();
    const events = await ask({ temperature: 0, maxTokens: 160, seed: 3 }, STORY, (e) => {
      if (e.event === 'token' && !killed) {
        killed = answering(before);
        assert.ok(killed, 'a worker started the answer');
        workers.get(killed)!.child.kill('SIGKILL');
      }
    });
    assert.ok(killed);
    const kinds = events.map((e) => e.event);
    assert.ok(kinds.includes('restart'), `a restart event: ${kinds.join(',')}`);
    const restart = events.find((e) => e.event === 'restart')!;
    const done = events.at(-1);
    assert.equal(done?.event, 'done', JSON.stringify(done));
    const survivor = [...workers.keys()].find((id) => id !== killed)!;
    assert.equal(done.data.worker, survivor);
    assert.equal(restart.data.worker, survivor);
    assert.ok(Number(restart.data.attempt) >= 2);
    console.log(`# failover: ${killed} killed after the first token, ${survivor} answered; done after ${Date.now() - t0} ms`);
    const dead = workers.get(killed)!;
    procs.splice(procs.indexOf(dead), 1);
    workers.delete(killed);
  } catch (err) {
    fail(err);
  }
});

test('Drain: SIGTERM mid-answer finishes the answer, then the worker exits 0', async () => {
  try {
    const [id, w] = [...workers][0]!;
    let signalled = false;
    const exited = new Promise<number | null>((resolve) => w.child.once('exit', (code) => resolve(code)));
    const events = await ask({ temperature: 0, maxTokens: 96, seed: 5 }, STORY, (e) => {
      if (e.event === 'token' && !signalled) {
        signalled = true;
        w.child.kill('SIGTERM');
      }
    });
    const done = events.at(-1);
    assert.equal(done?.event, 'done', JSON.stringify(done));
    assert.equal(done.data.worker, id);
    assert.ok(!events.some((e) => e.event === 'restart'), 'answered by the draining worker itself');
    assert.equal(await exited, 0);
    assert.match(w.output(), /draining: no new questions/);
  } catch (err) {
    fail(err);
  }
});

test('Busy: a full answer.requests queue makes POST /api/ask answer 503 with Retry-After', async () => {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  prefixes.push(prefix);
  const port = await freePort();
  const web = startRole('web-busy', 'web.ts', {
    ...common,
    AMQP_PREFIX: prefix,
    ANSWER_QUEUE_MAX_LENGTH: '1',
    DATA_DIR: path.join(tmp, 'web-busy'),
    VECTORSTORE_DIR: path.join(tmp, 'vectorstore-busy'),
    PORT: String(port),
    ANSWER_TIMEOUT_MS: '5000',
  });
  procs.push(web);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 120_000, [web]);
    const post = () => fetch(`http://127.0.0.1:${port}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: QUESTION }) });
    // No worker: the first question waits in the queue (until its deadline), the second is refused.
    const first = post();
    await new Promise((r) => setTimeout(r, 1500));
    const second = await post();
    assert.equal(second.status, 503, `status ${second.status}`);
    assert.equal(second.headers.get('retry-after'), '5');
    assert.match(((await second.json()) as { error: string }).error, /busy/);
    const firstStatus = (await first).status;
    assert.ok(firstStatus === 502 || firstStatus === 504, `the queued question ends with an error at its deadline, never a hang (${firstStatus})`);
  } catch (err) {
    fail(err);
  }
});
