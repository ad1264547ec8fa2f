/**
 * A Kafka consumer's start survives a moment of unsettled metadata: just after a topic is created a
 * broker can answer "This server does not host this topic-partition" (a retriable error), and a role
 * must not fail its start on that. A non-retriable error still fails at once. A stand-in for the
 * kafkajs client scripts the errors; the real broker is exercised in the integration tier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Kafka } from 'kafkajs';
import { KafkaGroupConsumer } from '../../src/adapters/kafka/group-consumer.ts';
import type { TopicName } from '../../src/contracts/names.ts';
import { logger } from '../../src/log.ts';

interface Script {
  subscribeErrors: Error[];
  subscribes: number;
  disconnects: number;
  runs: number;
}

function scriptedKafka(script: Script): Kafka {
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: () => () => undefined,
    connect: () => Promise.resolve(),
    subscribe: () => {
      script.subscribes++;
      const err = script.subscribeErrors.shift();
      return err ? Promise.reject(err) : Promise.resolve();
    },
    run: () => {
      script.runs++;
      return Promise.resolve();
    },
    disconnect: () => {
      script.disconnects++;
      return Promise.resolve();
    },
  };
  return { consumer: () => consumer } as unknown as Kafka;
}

const unsettled = (): Error =>
  new kafkajs.KafkaJSProtocolError({ message: 'This server does not host this topic-partition', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true } as never);

function groupConsumer(kafka: Kafka): KafkaGroupConsumer {
  return new KafkaGroupConsumer(kafka, {
    groupId: 'g',
    topics: ['t'],
    fromBeginning: true,
    unprefix: (t) => t as TopicName,
    handler: () => Promise.resolve(),
    retry: { initialMs: 10, maxMs: 20 },
    sessionTimeoutMs: 6000,
    logger: logger('test').child({}, { level: 'silent' }),
  });
}

test('a retriable metadata error at start is tried again and the consumer runs', async () => {
  const script: Script = { subscribeErrors: [unsettled(), unsettled()], subscribes: 0, disconnects: 0, runs: 0 };
  const consumer = groupConsumer(scriptedKafka(script));
  await consumer.start();
  assert.equal(script.subscribes, 3);
  assert.equal(script.runs, 1);
  assert.equal(script.disconnects, 2, 'each failed attempt disconnects its client before the next');
  await consumer.stop();
});

test('a non-retriable error at start fails at once', async () => {
  const script: Script = { subscribeErrors: [new Error('authorisation failed')], subscribes: 0, disconnects: 0, runs: 0 };
  const consumer = groupConsumer(scriptedKafka(script));
  await assert.rejects(consumer.start(), /authorisation failed/);
  assert.equal(script.subscribes, 1);
  assert.equal(script.runs, 0);
});

test('a start that stays unsettled gives up after a bounded number of tries', async () => {
  const script: Script = { subscribeErrors: Array.from({ length: 20 }, unsettled), subscribes: 0, disconnects: 0, runs: 0 };
  const consumer = groupConsumer(scriptedKafka(script));
  await assert.rejects(consumer.start(), /does not host this topic-partition/);
  assert.ok(script.subscribes > 1 && script.subscribes < 20, `tried ${script.subscribes} times`);
  assert.equal(script.runs, 0);
});
