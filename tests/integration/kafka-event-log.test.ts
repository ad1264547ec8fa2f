/**
 * The Kafka EventLog against a real broker: the shared contract, then Kafka specifics (topics are
 * created with the configured partitions; records carry the key; the prefix stays out of the core's
 * view). Needs Kafka (KAFKA_BROKERS, default 127.0.0.1:9092); fails if it is not there.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaEventLog, type KafkaEventLogOptions } from '../../src/adapters/kafka/event-log.ts';
import { TOPICS } from '../../src/contracts/names.ts';
import { UnavailableError } from '../../src/errors.ts';
import type { LogRecord } from '../../src/ports/event-log.ts';
import { KAFKA_BROKERS, requireKafka } from '../support/brokers.ts';
import { eventLogContract } from '../support/event-log.contract.ts';
import { uniquePrefix, waitFor } from '../support/message-bus.contract.ts';

const testOptions = (prefix: string, extra: Partial<KafkaEventLogOptions> = {}): KafkaEventLogOptions => ({
  brokers: KAFKA_BROKERS,
  clientId: 'docent-test',
  prefix,
  retryBackoff: { initialMs: 50, maxMs: 500 },
  sessionTimeoutMs: 6000,
  closeTimeoutMs: 2000,
  ...extra,
});

before(requireKafka);

eventLogContract('kafka', ({ prefix }) => createKafkaEventLog(testOptions(prefix)), 30_000);

void describe('Kafka specifics', () => {
  void it('creates missing topics with the configured partitions and reports unprefixed topic names', async () => {
    const prefix = uniquePrefix();
    const events = await createKafkaEventLog(testOptions(prefix, { partitions: 2 }));
    const admin = new Kafka({ clientId: 'docent-test-admin', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();
    try {
      await events.produce(TOPICS.votes, 'answer-1', { vote: 'up' });
      await admin.connect();
      const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}${TOPICS.votes}`] });
      assert.equal(meta.topics[0]?.partitions.length, 2);
      const got: LogRecord[] = [];
      await events.consume({ group: 'g', topics: [TOPICS.votes] }, (r) => Promise.resolve(void got.push(r)));
      await waitFor('the record', () => got.length === 1, 30_000);
      assert.equal(got[0]?.topic, TOPICS.votes);
      assert.equal(got[0]?.key, 'answer-1');
      assert.deepEqual(JSON.parse(got[0]?.value ?? ''), { vote: 'up' });
    } finally {
      await admin.disconnect();
      await events.close();
    }
  });

  void it('buffers produce while Kafka is unreachable, and rejects when the buffer is full', async () => {
    // Port 1: nothing listens, as during a broker restart.
    const events = await createKafkaEventLog(testOptions(uniquePrefix(), { brokers: ['127.0.0.1:1'], maxBufferedRecords: 2, closeTimeoutMs: 200, clientRetry: { retries: 1, initialRetryTime: 100, maxRetryTime: 100 } }));
    const first = events.produce(TOPICS.qa, 'k', { n: 1 });
    const second = events.produce(TOPICS.qa, 'k', { n: 2 });
    await assert.rejects(events.produce(TOPICS.qa, 'k', { n: 3 }), (err: unknown) => err instanceof UnavailableError && err.code === 'event_log_full');
    await events.close();
    // Records still buffered at close fail clearly instead of hanging their callers.
    await assert.rejects(first, UnavailableError);
    await assert.rejects(second, UnavailableError);
  });
});
