/**
 * The RabbitMQ MessageBus against a real broker: the shared contract, then what only a real broker
 * shows (reconnect after a forced close, x-attempt carried in the message, non-JSON bodies).
 * Needs RabbitMQ (AMQP_URL, default amqp://guest:guest@127.0.0.1:5672); fails if it is not there.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { createRabbitMessageBus, type RabbitMessageBusOptions } from '../../src/adapters/rabbitmq/message-bus.ts';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { UnavailableError } from '../../src/errors.ts';
import type { Delivery } from '../../src/ports/message-bus.ts';
import { AMQP_URL, deleteRabbitPrefix, forceCloseRabbitConnections, requireRabbit, sendRawToQueue } from '../support/brokers.ts';
import { gate, messageBusContract, uniquePrefix, waitFor } from '../support/message-bus.contract.ts';
import { retryPolicy } from '../support/retry-policy.ts';

const fast = { initialMs: 20, maxMs: 200 };
const retry = retryPolicy({ backoff: fast });
const testOptions = (prefix: string, extra: Partial<RabbitMessageBusOptions> = {}): RabbitMessageBusOptions => ({
  url: AMQP_URL,
  prefix,
  reconnectBackoff: fast,
  startupTimeoutMs: 5000,
  sendTimeoutMs: 5000,
  ...extra,
});

before(requireRabbit);

messageBusContract('rabbitmq', ({ prefix, answerQueueMaxLength }) => createRabbitMessageBus(testOptions(prefix, { answerQueueMaxLength })), {
  timeoutMs: 10_000,
  cleanup: deleteRabbitPrefix,
});

void describe('RabbitMQ specifics', () => {
  void it('reconnects after the broker closes the connection: consumers, reply queue and subscribers come back', async () => {
    const prefix = uniquePrefix();
    const connectionName = `docent-test-${randomUUID()}`;
    const bus = await createRabbitMessageBus(testOptions(prefix, { connectionName }));
    const stuck = gate();
    try {
      const deliveries: Delivery[] = [];
      await bus.consume(QUEUES.answerRequests, async (d) => {
        deliveries.push(d);
        // The first delivery never finishes on its connection: the broker must redeliver it.
        if (deliveries.length === 1) await stuck.promise;
      }, { prefetch: 1, retry });
      const replies: unknown[] = [];
      const address = await bus.openReplyQueue((body) => void replies.push(body));
      const broadcasts: unknown[] = [];
      await bus.subscribe(EXCHANGES.indexUpdates, (body) => void broadcasts.push(body));

      await bus.send(QUEUES.answerRequests, { n: 1 });
      await waitFor('the first delivery', () => deliveries.length === 1);
      assert.equal(await forceCloseRabbitConnections(connectionName), 1, 'exactly our connection was closed');

      await waitFor('the redelivery after reconnect', () => deliveries.length === 2, 15_000);
      assert.equal(deliveries[1]?.redelivered, true);
      assert.equal(deliveries[1]?.attempt, 2, 'a redelivery after a crash counts an attempt');
      stuck.open();

      await bus.send(QUEUES.answerRequests, { n: 2 });
      await waitFor('a new message after reconnect', () => deliveries.length === 3, 10_000);
      await bus.reply(address, 'c-1', { ok: true });
      await waitFor('a reply on the same address', () => replies.length === 1, 10_000);
      // The subscriber's queue is re-created a moment after the session: retry until it hears.
      await waitFor('a broadcast after reconnect', async () => {
        await bus.broadcast(EXCHANGES.indexUpdates, { v: 1 });
        return broadcasts.length > 0;
      }, 10_000);
    } finally {
      stuck.open();
      await bus.close();
      await deleteRabbitPrefix(prefix);
    }
  });

  void it('keeps the attempt count in the message (x-attempt), across bus instances', async () => {
    const prefix = uniquePrefix();
    const first = await createRabbitMessageBus(testOptions(prefix));
    const second = await createRabbitMessageBus(testOptions(prefix));
    try {
      let failedOnce = false;
      const sub = await first.consume(QUEUES.ingestJobs, async () => {
        await Promise.resolve();
        failedOnce = true;
        throw new UnavailableError('disk busy');
      }, { prefetch: 1, retry });
      await first.send(QUEUES.ingestJobs, { doc: 'a' });
      await waitFor('the first failure', () => failedOnce);
      await sub.cancel();
      const attempts: number[] = [];
      await second.consume(QUEUES.ingestJobs, (d) => Promise.resolve(void attempts.push(d.attempt)), { prefetch: 1, retry });
      await waitFor('the requeued copy on the other instance', () => attempts.length === 1, 10_000);
      assert.deepEqual(attempts, [2]);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await deleteRabbitPrefix(prefix);
    }
  });

  void it('dead-letters a body that is not JSON, with the reason', async () => {
    const prefix = uniquePrefix();
    const bus = await createRabbitMessageBus(testOptions(prefix));
    try {
      let called = false;
      await bus.consume(QUEUES.answerRequests, () => Promise.resolve(void (called = true)), { prefetch: 1, retry });
      await sendRawToQueue(`${prefix}${QUEUES.answerRequests}`, Buffer.from('not json {'));
      let dead: Array<{ body: unknown; reason: string }> = [];
      await waitFor('the dead letter', async () => (dead = await bus.deadLetters(QUEUES.answerRequests, 10)).length === 1, 10_000);
      assert.equal(dead[0]?.body, 'not json {');
      assert.match(dead[0]?.reason ?? '', /not JSON/);
      assert.equal(called, false);
      // Peeking leaves the dead letters in place.
      assert.equal((await bus.deadLetters(QUEUES.answerRequests, 10)).length, 1);
    } finally {
      await bus.close();
      await deleteRabbitPrefix(prefix);
    }
  });

  void it('fails start-up with UnavailableError when no broker answers', async () => {
    await assert.rejects(
      createRabbitMessageBus({ url: 'amqp://guest:guest@127.0.0.1:1', startupTimeoutMs: 300, reconnectBackoff: fast }),
      (err: unknown) => err instanceof UnavailableError && /cannot connect to RabbitMQ/.test(err.message),
    );
  });
});
