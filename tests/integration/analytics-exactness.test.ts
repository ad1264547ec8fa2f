/**
 * Exact under failure, with real Kafka and real processes: events (duplicates and re-votes among
 * them) are produced while the analytics consumer runs as its own process; it is SIGKILLed
 * part-way and started again; the store must end with exactly the distinct events, none lost and
 * none counted twice. Then `npm run analytics:rebuild --out` replays the topics into a fresh file
 * whose summary must equal the live store's.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { createKafkaEventLog } from '../../src/adapters/kafka/event-log.ts';
import { openAnalyticsStore } from '../../src/analytics/store.ts';
import type { AnalyticsSummary } from '../../src/contracts/analytics-summary.ts';
import { eventStream, type StreamRecord } from '../support/analytics-events.ts';
import { KAFKA_BROKERS, requireKafka } from '../support/brokers.ts';
import { uniquePrefix, waitFor } from '../support/message-bus.contract.ts';
import { freePort, ROOT, startRole, waitForHttp, type RoleProcess } from '../support/processes.ts';

const run = promisify(execFile);

before(requireKafka);

async function summary(port: number): Promise<AnalyticsSummary> {
  const res = await fetch(`http://127.0.0.1:${port}/api/analytics/summary?range=all`);
  assert.equal(res.status, 200);
  return (await res.json()) as AnalyticsSummary;
}

void it('SIGKILL part-way: the store ends with exactly the distinct events; a rebuild equals it', { timeout: 240_000 }, async () => {
  const prefix = uniquePrefix();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-analytics-'));
  const stream = eventStream(1500, { runId: prefix });
  const events = await createKafkaEventLog({ brokers: KAFKA_BROKERS, clientId: 'docent-test', prefix, closeTimeoutMs: 2000 });
  const env = { KAFKA_BROKERS: KAFKA_BROKERS.join(','), KAFKA_PREFIX: prefix, DATA_DIR: dir, AMQP_URL: '' };
  let proc: RoleProcess | undefined;
  const start = async (): Promise<number> => {
    const port = await freePort();
    proc = startRole('analytics', 'analytics.ts', { ...env, ANALYTICS_PORT: String(port) });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, [proc]);
    return port;
  };
  const produce = (records: StreamRecord[]) => Promise.all(records.map((r) => events.produce(r.topic, r.key, r.value)));
  try {
    let port = await start();
    // Produce in chunks while the consumer runs, so the kill lands with records still to consume.
    const chunks: StreamRecord[][] = [];
    for (let i = 0; i < stream.records.length; i += 200) chunks.push(stream.records.slice(i, i + 200));
    const firstHalf = Math.ceil(chunks.length / 2);
    for (const chunk of chunks.slice(0, firstHalf)) await produce(chunk);
    await waitFor('some answers stored', async () => (await summary(port)).answers > 0, 60_000);
    proc?.child.kill('SIGKILL');
    await new Promise((r) => proc?.child.once('exit', r));
    const atKill = openAnalyticsStore(path.join(dir, 'analytics.db'));
    const storedAtKill = atKill.summary('all').answers;
    atKill.close();
    assert.ok(storedAtKill < stream.expected.answers, `killed part-way (${storedAtKill} stored)`);

    // Produced while the consumer is down, then the rest after it came back.
    await produce(chunks[firstHalf] ?? []);
    port = await start();
    for (const chunk of chunks.slice(firstHalf + 1)) await produce(chunk);
    const want = stream.expected;
    await waitFor(
      'every distinct event stored',
      async () => {
        const s = await summary(port);
        return s.answers === want.answers && s.votes.up + s.votes.down === want.up + want.down;
      },
      120_000,
    ).catch((err: unknown) => assert.fail(`${String(err)}\n${proc?.output() ?? ''}`));
    // Let a late duplicate (if any were to count twice) show up before comparing exactly.
    await new Promise((r) => setTimeout(r, 1500));
    const live = await summary(port);
    assert.match(proc?.output() ?? '', /resuming from the offset the store recorded/, 'the restart resumed from the store');
    assert.equal(live.answers, want.answers);
    assert.deepEqual(live.votes, { up: want.up, down: want.down });
    await proc?.stop();

    const db = new Database(path.join(dir, 'analytics.db'), { readonly: true });
    const processed = (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;
    db.close();
    assert.equal(processed, want.distinctEvents, 'each distinct event id applied exactly once');

    // The rebuild replays the topics from the start into a fresh file; it must say the same.
    const out = path.join(dir, 'rebuilt.db');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/bin/analytics-rebuild.ts'), '--out', out], {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    assert.match(stdout, new RegExp(`answers ${want.answers}\\b`));
    const rebuilt = openAnalyticsStore(out);
    const liveStore = openAnalyticsStore(path.join(dir, 'analytics.db'));
    try {
      const now = Date.now();
      assert.deepEqual(rebuilt.summary('all', now), liveStore.summary('all', now));
      assert.deepEqual(rebuilt.offsets(), liveStore.offsets());
    } finally {
      rebuilt.close();
      liveStore.close();
    }
  } finally {
    await proc?.stop();
    await events.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
