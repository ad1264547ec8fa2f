/** The in-process MessageBus against the shared contract, plus its in-process specifics. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { QUEUES } from '../../src/contracts/names.ts';
import { messageBusContract, waitFor } from '../support/message-bus.contract.ts';
import { retryPolicy } from '../support/retry-policy.ts';

messageBusContract('memory', ({ answerQueueMaxLength }) =>
  Promise.resolve(createMemoryMessageBus({ answerQueueMaxLength })),
);

void it('memory bus: a body is copied at send, so later changes by the sender do not leak', async () => {
  const bus = createMemoryMessageBus();
  const got: unknown[] = [];
  await bus.consume(QUEUES.answerRequests, (d) => Promise.resolve(void got.push(d.body)), { prefetch: 1, retry: retryPolicy() });
  const body = { list: [1] };
  await bus.send(QUEUES.answerRequests, body);
  body.list.push(2);
  await waitFor('the delivery', () => got.length === 1);
  assert.deepEqual(got[0], { list: [1] });
  await bus.close();
});

void it('memory bus: a body that is not JSON-serialisable is refused at send', async () => {
  const bus = createMemoryMessageBus();
  await assert.rejects(bus.send(QUEUES.answerRequests, undefined), TypeError);
  await bus.close();
});

void it('memory bus: singleActive on a queue that is not single-active is refused', async () => {
  const bus = createMemoryMessageBus();
  await assert.rejects(bus.consume(QUEUES.answerRequests, () => Promise.resolve(), { prefetch: 1, singleActive: true, retry: retryPolicy() }), RangeError);
  await bus.close();
});
