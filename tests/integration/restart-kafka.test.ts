/**
 * Kafka restarted under real processes: the analytics consumer, the web and an answer worker run on
 * a private Kafka broker (tests/support/private-brokers.ts; the shared one is never touched; web and
 * worker talk over the shared RabbitMQ with a unique prefix). N events with duplicates and re-votes
 * are produced in parts; the broker is stopped part-way. While it is down, votes sent to the web
 * answer 202 at once, a question is answered, and the web's votes and the worker's qa event wait in
 * the producers' buffers; the test's own producer buffers its part too. When the broker is back all
 * of it arrives: the store ends with exactly the distinct events, none lost, none counted twice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import amqp from 'amqplib';
import { createKafkaEventLog } from '../../src/adapters/kafka/event-log.ts';
import type { AnalyticsSummary } from '../../src/contracts/analytics-summary.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { eventStream, type StreamRecord } from '../support/analytics-events.ts';
import { brokerUrls } from '../support/brokers-env.ts';
import { uniquePrefix, waitFor } from '../support/message-bus.contract.ts';
import { startPrivateKafka, type PrivateBroker } from '../support/private-brokers.ts';
import { freePort, startRole, waitForHttp, waitForOutput, type RoleProcess, testRoleEnv } from '../support/processes.ts';

let kafka: PrivateBroker | undefined;
let producer: EventLog | undefined;
const procs: RoleProcess[] = [];
let tmp: string | undefined;
const prefix = uniquePrefix();
let webBase: string;
let analyticsBase: string;

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

async function summary(): Promise<AnalyticsSummary> {
  const res = await fetch(`${analyticsBase}/api/analytics/summary?range=all`);
  assert.equal(res.status, 200);
  return (await res.json()) as AnalyticsSummary;
}

before(async () => {
  const t0 = Date.now();
  kafka = await startPrivateKafka();
  console.log(`# private Kafka ${kafka.address} up in ${Date.now() - t0} ms`);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-restart-kafka-'));
  const [webPort, analyticsPort] = [await freePort(), await freePort()];
  webBase = `http://127.0.0.1:${webPort}`;
  analyticsBase = `http://127.0.0.1:${analyticsPort}`;
  const common = {
    KAFKA_BROKERS: kafka.address,
    KAFKA_PREFIX: prefix,
    AMQP_URL: brokerUrls().amqpUrl,
    AMQP_PREFIX: prefix,
    ...testRoleEnv(path.join(tmp, 'vectorstore')),
    ANSWER_TIMEOUT_MS: '60000',
  };
  procs.push(
    startRole('analytics', 'analytics.ts', { ...common, AMQP_URL: '', DATA_DIR: path.join(tmp, 'analytics'), ANALYTICS_PORT: String(analyticsPort) }),
    startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-k' }),
    startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort), ANALYTICS_URL: analyticsBase }),
  );
  try {
    await Promise.all([
      waitForHttp(`${analyticsBase}/healthz`, 120_000, procs),
      waitForOutput(procs[1]!, 'answer worker ready', 120_000),
      waitForHttp(`${webBase}/readyz`, 120_000, procs),
    ]);
  } catch (err) {
    fail(err);
  }
  producer = await createKafkaEventLog({ brokers: [kafka.address], clientId: 'docent-test', prefix, closeTimeoutMs: 2000 });
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await producer?.close();
  await kafka?.dispose();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  // The answer queues are durable: leave nothing behind on the shared RabbitMQ.
  const conn = await amqp.connect(brokerUrls().amqpUrl);
  const ch = await conn.createChannel();
  for (const q of ['answer.requests', 'answer.requests.dead']) await ch.deleteQueue(`${prefix}${q}`);
  for (const x of ['answer.cancels', 'index.updates', 'ingest.events', 'dlx']) await ch.deleteExchange(`${prefix}${x}`);
  await conn.close();
});

test('Kafka restart part-way: requests never fail, buffered events arrive, the store holds exactly the distinct events', { timeout: 180_000 }, async () => {
  try {
    const broker = kafka!;
    const events = producer!;
    const stream = eventStream(600, { runId: prefix });
    const produce = (records: StreamRecord[]): Promise<void> => Promise.all(records.map((r) => events.produce(r.topic, r.key, r.value))).then(() => undefined);
    const third = Math.ceil(stream.records.length / 3);
    const parts = [stream.records.slice(0, third), stream.records.slice(third, 2 * third), stream.records.slice(2 * third)];

    await produce(parts[0]!);
    await waitFor('some answers stored', async () => (await summary()).answers > 0, 60_000);

    const tStop = Date.now();
    await broker.stop();
    const stoppedIn = Date.now() - tStop;
    // The test's producer buffers its part while the broker is down (acknowledged only later).
    const buffered = produce(parts[1]!);

    // A question answered while Kafka is down: the worker's qa event waits in its buffer.
    const asked = await fetch(`${webBase}/api/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ question: 'Who keeps the lighthouse?', settings: { temperature: 0, maxTokens: 16, seed: 1 } }),
    });
    assert.equal(asked.status, 200, await asked.clone().text());
    const { answerId } = (await asked.json()) as { answerId: string };
    // A vote and a changed vote: each answers 202 at once although Kafka is down.
    const voteTimes: number[] = [];
    for (const vote of ['up', 'down']) {
      const t = Date.now();
      const res = await fetch(`${webBase}/api/votes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ answerId, vote }),
        signal: AbortSignal.timeout(10_000),
      });
      voteTimes.push(Date.now() - t);
      assert.equal(res.status, 202, await res.text());
    }
    await broker.start();
    const downMs = Date.now() - tStop;
    await buffered;
    await produce(parts[2]!);

    // The web's vote (up, then down) and the worker's qa event come on top of the stream.
    const want = { answers: stream.expected.answers + 1, up: stream.expected.up, down: stream.expected.down + 1, distinct: stream.expected.distinctEvents + 3 };
    await waitFor(
      'every distinct event stored',
      async () => {
        const s = await summary();
        return s.answers === want.answers && s.votes.up + s.votes.down === want.up + want.down;
      },
      90_000,
    );
    // Let a late duplicate (if any were to count twice) show up before comparing exactly.
    await new Promise((r) => setTimeout(r, 1500));
    const s = await summary();
    assert.equal(s.answers, want.answers);
    assert.deepEqual(s.votes, { up: want.up, down: want.down });
    const db = new Database(path.join(tmp!, 'analytics', 'analytics.db'), { readonly: true });
    const processed = (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;
    db.close();
    assert.equal(processed, want.distinct, 'each distinct event id applied exactly once');
    console.log(`# Kafka stopped in ${stoppedIn} ms, down for ${downMs} ms; votes answered in ${voteTimes.join(', ')} ms while it was down; ${stream.records.length} records (${stream.expected.distinctEvents} distinct) + 3 from web/worker stored exactly`);
  } catch (err) {
    fail(err);
  }
});
