/**
 * Two copies of the analytics consumer in one consumer group on real Kafka, sharing one store file
 * (as two `npm run analytics` processes on one host do): the second copy joins while the first is
 * consuming, the group rebalances, each copy ends up applying records of its own partitions, and
 * together they store exactly the distinct events (duplicates and re-votes included), none lost
 * and none counted twice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, it } from 'node:test';
import { createKafkaEventLog } from '../../src/adapters/kafka/event-log.ts';
import { startAnalyticsConsumer, type AnalyticsConsumer } from '../../src/analytics/consumer.ts';
import { openAnalyticsStore, type AnalyticsStore, type BatchItem } from '../../src/analytics/store.ts';
import { logger } from '../../src/log.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import { eventStream, type StreamRecord } from '../support/analytics-events.ts';
import { KAFKA_BROKERS, requireKafka } from '../support/brokers.ts';
import { uniquePrefix, waitFor } from '../support/message-bus.contract.ts';

before(requireKafka);

/** A store whose batches are counted per partition, to see which copy consumed what. */
function counting(store: AnalyticsStore, partitions: Set<string>): AnalyticsStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'applyBatch') {
        return (items: readonly BatchItem[]) => {
          for (const item of items) partitions.add(`${item.offset.topic}/${item.offset.partition}`);
          return target.applyBatch(items);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

void it('two consumer copies in one group share the partitions and together count exactly', { timeout: 240_000 }, async () => {
  const prefix = uniquePrefix();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-analytics-group-'));
  const file = path.join(dir, 'analytics.db');
  const stream = eventStream(1200, { runId: prefix });
  const group = `${prefix}analytics`;
  const log = logger('analytics-group-test');
  const logs: EventLog[] = [];
  const stores: AnalyticsStore[] = [];
  const consumers: AnalyticsConsumer[] = [];
  const seen = [new Set<string>(), new Set<string>()];
  const copy = async (i: number): Promise<void> => {
    const events = await createKafkaEventLog({ brokers: KAFKA_BROKERS, clientId: `docent-test-${i}`, prefix, closeTimeoutMs: 2000 });
    logs.push(events);
    const store = openAnalyticsStore(file);
    stores.push(store);
    consumers.push(await startAnalyticsConsumer({ events, store: counting(store, seen[i]!), logger: log.child({ copy: i }), group }));
  };
  const produce = (events: EventLog, records: StreamRecord[]) => Promise.all(records.map((r) => events.produce(r.topic, r.key, r.value)));
  try {
    await copy(0);
    const half = Math.floor(stream.records.length / 2);
    await produce(logs[0]!, stream.records.slice(0, half));
    await waitFor('the first copy stored some answers', () => Promise.resolve(stores[0]!.summary('all').answers > 0), 60_000);
    // From here on, record what copy 0 consumes after the second copy joined.
    seen[0]!.clear();
    await copy(1);
    await produce(logs[0]!, stream.records.slice(half));
    const want = stream.expected;
    await waitFor(
      'every distinct event stored',
      () => {
        const s = stores[0]!.summary('all');
        return Promise.resolve(s.answers === want.answers && s.votes.up + s.votes.down === want.up + want.down);
      },
      120_000,
    );
    // Let a late duplicate (if any were to count twice) show up before comparing exactly.
    await new Promise((r) => setTimeout(r, 1500));
    const s = stores[1]!.summary('all');
    assert.equal(s.answers, want.answers);
    assert.deepEqual(s.votes, { up: want.up, down: want.down });
    assert.equal(stores[1]!.processedEvents(), want.distinctEvents, 'each distinct event id applied exactly once');
    // Both copies applied records after the join, and neither took every partition (qa and votes, 3 each).
    const parts = `copy 0 after the join: ${[...seen[0]!].join(' ')}; copy 1: ${[...seen[1]!].join(' ')}`;
    assert.ok(seen[1]!.size > 0 && seen[1]!.size < 6, parts);
    assert.ok(seen[0]!.size > 0, parts);
    console.log(parts);
  } finally {
    for (const c of consumers) await c.stop();
    for (const l of logs) await l.close();
    for (const s of stores) s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
