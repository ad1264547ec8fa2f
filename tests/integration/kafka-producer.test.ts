/**
 * The Kafka adapter's producer guarantees, checked on a real broker (KAFKA_BROKERS, default
 * 127.0.0.1:9092): the producer is idempotent and waits for all in-sync replicas (acks = -1), and
 * records with one key (one chat's qa events, one answer's votes) land on one partition in the
 * order they were produced. The EventLog contract checks delivery order through the adapter; this
 * checks what the broker stored: the record batches' producer id and sequence numbers (a plain
 * producer writes producer id -1 and no sequences) and each key's partition.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Kafka, logLevel, type KafkaMessage, type ProducerBatch, type ProducerConfig } from 'kafkajs';
import { createKafkaEventLog } from '../../src/adapters/kafka/event-log.ts';
import { TOPICS } from '../../src/contracts/names.ts';
import { KAFKA_BROKERS, requireKafka } from '../support/brokers.ts';
import { uniquePrefix, waitFor } from '../support/message-bus.contract.ts';

before(requireKafka);

/** What kafkajs decodes from a record batch header and hangs on each message (not in its types). */
interface BatchContext {
  firstOffset: string;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
}

interface Stored {
  partition: number;
  offset: bigint;
  /** The record's Kafka key; the value holds the key it was produced with as `key`. */
  key: string | undefined;
  seq: number;
  batch: BatchContext;
}

/**
 * Records the options of every producer kafkajs creates and the acks of every batch it sends,
 * while `fn` runs. The adapter builds its own client, so the spy sits on kafkajs's prototype.
 */
async function spyOnProducers<T>(fn: () => Promise<T>): Promise<{ result: T; configs: ProducerConfig[]; acks: Array<number | undefined> }> {
  const proto = Kafka.prototype as { producer: (config?: ProducerConfig) => ReturnType<Kafka['producer']> };
  const original = proto.producer;
  const configs: ProducerConfig[] = [];
  const acks: Array<number | undefined> = [];
  proto.producer = function (this: Kafka, config?: ProducerConfig) {
    configs.push(config ?? {});
    const producer = original.call(this, config);
    const sendBatch = producer.sendBatch.bind(producer);
    producer.sendBatch = (batch: ProducerBatch) => {
      acks.push(batch.acks);
      return sendBatch(batch);
    };
    return producer;
  };
  try {
    return { result: await fn(), configs, acks };
  } finally {
    proto.producer = original;
  }
}

/** Rejects after `ms` if `work` has not settled; a late rejection of `work` is then ignored. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  void work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for: ${what}`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

void it('produces idempotently with acks from all in-sync replicas, one key on one partition in order', async () => {
  const prefix = uniquePrefix();
  const topic = `${prefix}${TOPICS.qa}`;
  const keys = Array.from({ length: 24 }, (_, i) => `chat-${i}`);
  const perKey = 50;
  const total = keys.length * perKey;

  // Produced all at once, so the adapter's buffer sends several batches (500 records each).
  const { configs, acks } = await spyOnProducers(async () => {
    const events = await createKafkaEventLog({ brokers: KAFKA_BROKERS, clientId: 'docent-test', prefix, closeTimeoutMs: 2000 });
    try {
      const sends: Array<Promise<void>> = [];
      for (let seq = 0; seq < perKey; seq++) for (const key of keys) sends.push(events.produce(TOPICS.qa, key, { key, seq }));
      // Bounded: kafkajs refuses to send with idempotence but acks != -1, and the buffer would retry forever.
      await within(30_000, 'every record acknowledged', Promise.all(sends));
    } finally {
      await events.close();
    }
  });
  assert.equal(configs.length, 1, 'one producer per event log');
  assert.equal(configs[0]?.idempotent, true, 'the producer is idempotent');
  assert.equal(configs[0]?.maxInFlightRequests, 1, 'one request in flight keeps retried batches in order');
  assert.ok(acks.length > 1, `several batches were sent (${acks.length})`);
  assert.deepEqual(new Set(acks), new Set([-1]), 'every batch waits for all in-sync replicas');

  // What the broker stored, read by a plain kafkajs consumer with the record batch headers.
  const kafka = new Kafka({ clientId: 'docent-test-reader', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const reader = kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 200 });
  const stored: Stored[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({
      eachBatch: ({ batch }) => {
        for (const m of batch.messages as Array<KafkaMessage & { batchContext: BatchContext }>) {
          const value = JSON.parse(m.value?.toString() ?? '') as { key: string; seq: number };
          stored.push({ partition: batch.partition, offset: BigInt(m.offset), key: m.key?.toString(), seq: value.seq, batch: m.batchContext });
        }
        return Promise.resolve();
      },
    });
    await waitFor(`${total} stored records`, () => stored.length >= total, 30_000);
  } finally {
    await reader.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  assert.equal(stored.length, total, 'each record stored once');
  assert.equal(stored.filter((r) => r.key === undefined).length, 0, 'every record carries its key');

  // Idempotence on the broker: one producer id, and per partition the sequence numbers of the
  // records run 0, 1, 2, ... in offset order (the broker rejects gaps and drops duplicates by them).
  const producerIds = new Set(stored.map((r) => r.batch.producerId));
  assert.equal(producerIds.size, 1, `one producer id, got ${[...producerIds].join(', ')}`);
  assert.ok(BigInt([...producerIds][0]!) >= 0n, 'batches carry a producer id (a plain producer writes -1)');
  const partitions = new Map<number, Stored[]>();
  for (const r of stored) partitions.set(r.partition, [...(partitions.get(r.partition) ?? []), r]);
  for (const [partition, records] of partitions) {
    records.sort((a, b) => (a.offset < b.offset ? -1 : 1));
    const sequences = records.map((r) => r.batch.firstSequence + Number(r.offset - BigInt(r.batch.firstOffset)));
    assert.deepEqual(sequences, records.map((_, i) => i), `sequence numbers of partition ${partition}`);
  }

  // Keys: each on exactly one partition, its records in the order produced; the keys spread over
  // more than one partition, so the check is not true by accident.
  assert.ok(partitions.size > 1, 'keys spread over the partitions');
  for (const key of keys) {
    const mine = stored.filter((r) => r.key === key).sort((a, b) => (a.offset < b.offset ? -1 : 1));
    assert.equal(new Set(mine.map((r) => r.partition)).size, 1, `${key} on one partition`);
    assert.deepEqual(mine.map((r) => r.seq), Array.from({ length: perKey }, (_, i) => i), `${key} in order`);
  }
});
