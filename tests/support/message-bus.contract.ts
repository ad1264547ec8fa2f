/**
 * The MessageBus contract: every adapter (in-process, RabbitMQ) runs these tests, so the core can
 * rely on the same semantics everywhere (src/ports/message-bus.ts). Each test gets its own bus with
 * a random name prefix, so runs on a shared broker never see each other's queues.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { EXCHANGES, QUEUES } from '../../src/contracts/names.ts';
import { AppError, InvalidInputError, UnavailableError } from '../../src/errors.ts';
import type { Delivery, MessageBus, RetryPolicy } from '../../src/ports/message-bus.ts';

export interface BusFactoryOptions {
  /** A fresh prefix for this test's queue and exchange names. */
  prefix: string;
  /** Bound of answer.requests for this test. */
  answerQueueMaxLength: number;
}

export type MakeBus = (opts: BusFactoryOptions) => Promise<MessageBus>;

import { delay, waitFor } from './wait.ts';

export { delay, waitFor };

/** A promise with its resolve function outside, to hold a handler open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 8)}.`;
}

export interface ContractOptions {
  /** Longest wait for anything asynchronous. Default 5000 ms. */
  timeoutMs?: number;
  /** Removes what a test left on a shared broker under its prefix. */
  cleanup?: (prefix: string) => Promise<void>;
}

export function messageBusContract(name: string, makeBus: MakeBus, opts: ContractOptions = {}): void {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const withBus = async (fn: (bus: MessageBus) => Promise<void>, answerQueueMaxLength = 1000): Promise<void> => {
    const prefix = uniquePrefix();
    const bus = await makeBus({ prefix, answerQueueMaxLength });
    try {
      await fn(bus);
    } finally {
      await bus.close();
      await opts.cleanup?.(prefix);
    }
  };
  const Q = QUEUES.answerRequests;
  // Short retry timings under test; the attempt count of the config's default.
  const retry = (maxAttempts = 3, backoff = { initialMs: 10, maxMs: 100 }): RetryPolicy => ({ maxAttempts, backoff });

  void describe(`MessageBus contract: ${name}`, () => {
    void it('delivers a sent message with its ids on attempt 1', () =>
      withBus(async (bus) => {
        const got: Delivery[] = [];
        await bus.consume(Q, (d) => Promise.resolve(void got.push(d)), { prefetch: 1, retry: retry() });
        await bus.send(Q, { hello: 'world', n: [1, 2] }, { messageId: 'm-1', correlationId: 'c-1', replyTo: 'r-1' });
        await waitFor('the delivery', () => got.length === 1, timeoutMs);
        const d = got[0];
        assert.deepEqual(d?.body, { hello: 'world', n: [1, 2] });
        assert.equal(d?.messageId, 'm-1');
        assert.equal(d?.correlationId, 'c-1');
        assert.equal(d?.replyTo, 'r-1');
        assert.equal(d?.attempt, 1);
        assert.equal(d?.redelivered, false);
      }));

    void it('shares work between competing consumers, each message once', () =>
      withBus(async (bus) => {
        const seen: Array<{ consumer: string; n: number }> = [];
        const handler = (consumer: string) => async (d: Delivery) => {
          await delay(30);
          seen.push({ consumer, n: (d.body as { n: number }).n });
        };
        await bus.consume(Q, handler('a'), { prefetch: 1, retry: retry() });
        await bus.consume(Q, handler('b'), { prefetch: 1, retry: retry() });
        for (let n = 0; n < 10; n++) await bus.send(Q, { n });
        await waitFor('10 messages handled', () => seen.length === 10, timeoutMs);
        assert.deepEqual(seen.map((s) => s.n).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert.ok(seen.some((s) => s.consumer === 'a'), 'consumer a got work');
        assert.ok(seen.some((s) => s.consumer === 'b'), 'consumer b got work');
      }));

    void it('holds at most `prefetch` unacknowledged messages per consumer', () =>
      withBus(async (bus) => {
        const hold = gate();
        let running = 0;
        let maxRunning = 0;
        let done = 0;
        await bus.consume(Q, async () => {
          await delay(1);
          running++;
          maxRunning = Math.max(maxRunning, running);
          await hold.promise;
          running--;
          done++;
        }, { prefetch: 2, retry: retry() });
        for (let n = 0; n < 5; n++) await bus.send(Q, { n });
        await waitFor('two handlers running', () => running === 2, timeoutMs);
        await delay(200);
        assert.equal(running, 2, 'no third message before an ack');
        hold.open();
        await waitFor('all 5 handled', () => done === 5, timeoutMs);
        assert.equal(maxRunning, 2);
      }));

    void it('acks only after the handler: a retryable failure comes back as attempt 2', () =>
      withBus(async (bus) => {
        const attempts: number[] = [];
        await bus.consume(Q, async (d) => {
          await delay(1);
          attempts.push(d.attempt);
          if (d.attempt === 1) throw new UnavailableError('model still loading');
        }, { prefetch: 1, retry: retry() });
        await bus.send(Q, { q: 'why' });
        await waitFor('the second attempt', () => attempts.length === 2, timeoutMs);
        await delay(100);
        assert.deepEqual(attempts, [1, 2]);
        assert.deepEqual(await bus.deadLetters(Q, 10), []);
      }));

    void it('dead-letters a non-retryable failure at once, with the reason', () =>
      withBus(async (bus) => {
        let calls = 0;
        await bus.consume(Q, async () => {
          await delay(1);
          calls++;
          throw new InvalidInputError('question is missing');
        }, { prefetch: 1, retry: retry(5) });
        await bus.send(Q, { bad: true });
        let dead: Array<{ body: unknown; reason: string }> = [];
        await waitFor('a dead letter', async () => (dead = await bus.deadLetters(Q, 10)).length === 1, timeoutMs);
        assert.deepEqual(dead[0]?.body, { bad: true });
        assert.match(dead[0]?.reason ?? '', /question is missing/);
        assert.equal(calls, 1);
      }));

    void it('dead-letters a retryable failure after the policy\'s maxAttempts', () =>
      withBus(async (bus) => {
        const attempts: number[] = [];
        await bus.consume(Q, async (d) => {
          await delay(1);
          attempts.push(d.attempt);
          throw new AppError('backend flaky', { retryable: true });
        }, { prefetch: 1, retry: retry(2) });
        await bus.send(Q, { n: 1 });
        let dead: Array<{ body: unknown; reason: string }> = [];
        await waitFor('a dead letter', async () => (dead = await bus.deadLetters(Q, 10)).length === 1, timeoutMs);
        assert.deepEqual(attempts, [1, 2]);
        assert.match(dead[0]?.reason ?? '', /backend flaky/);
      }));

    void it('says on each delivery whether it is the last attempt of its retry policy', () =>
      withBus(async (bus) => {
        const seen: Array<[number, boolean]> = [];
        await bus.consume(Q, async (d) => {
          await delay(1);
          seen.push([d.attempt, d.lastAttempt]);
          throw new UnavailableError('backend away');
        }, { prefetch: 1, retry: retry(3) });
        await bus.send(Q, { n: 1 });
        await waitFor('a dead letter', async () => (await bus.deadLetters(Q, 10)).length === 1, timeoutMs);
        assert.deepEqual(seen, [[1, false], [2, false], [3, true]]);
      }));

    void it('waits the retry policy\'s backoff before a requeued message comes back', () =>
      withBus(async (bus) => {
        const at: number[] = [];
        await bus.consume(Q, async (d) => {
          await delay(1);
          at.push(performance.now());
          if (d.attempt === 1) throw new UnavailableError('model still loading');
        }, { prefetch: 1, retry: retry(2, { initialMs: 400, maxMs: 400 }) });
        await bus.send(Q, { n: 1 });
        await waitFor('the second attempt', () => at.length === 2, timeoutMs);
        // A lower bound only (400 ms less the 20 % jitter): a loaded machine makes it longer, never shorter.
        const waited = (at[1] ?? 0) - (at[0] ?? 0);
        assert.ok(waited >= 300, `the second attempt came ${Math.round(waited)} ms after the first`);
      }));

    void it('refuses a retry policy without attempts when the consumer starts', () =>
      withBus(async (bus) => {
        await assert.rejects(bus.consume(Q, () => Promise.resolve(), { prefetch: 1, retry: retry(0) }), RangeError);
      }));

    void it('single active consumer: the standby gets nothing until the active one cancels', () =>
      withBus(async (bus) => {
        const byConsumer: Record<string, number[]> = { first: [], second: [] };
        const first = await bus.consume(QUEUES.ingestJobs, (d) => Promise.resolve(void byConsumer.first?.push((d.body as { n: number }).n)), { prefetch: 1, singleActive: true, retry: retry() });
        await bus.consume(QUEUES.ingestJobs, (d) => Promise.resolve(void byConsumer.second?.push((d.body as { n: number }).n)), { prefetch: 1, singleActive: true, retry: retry() });
        for (let n = 0; n < 3; n++) await bus.send(QUEUES.ingestJobs, { n });
        await waitFor('3 jobs on the first consumer', () => byConsumer.first?.length === 3, timeoutMs);
        assert.deepEqual(byConsumer.second, []);
        await first.cancel();
        for (let n = 3; n < 5; n++) await bus.send(QUEUES.ingestJobs, { n });
        await waitFor('the standby takes over', () => byConsumer.second?.length === 2, timeoutMs);
        assert.deepEqual(byConsumer.first, [0, 1, 2]);
        assert.deepEqual(byConsumer.second, [3, 4]);
      }));

    void it('broadcast reaches every current subscriber', () =>
      withBus(async (bus) => {
        const a: unknown[] = [];
        const b: unknown[] = [];
        await bus.subscribe(EXCHANGES.indexUpdates, (body) => void a.push(body));
        const subB = await bus.subscribe(EXCHANGES.indexUpdates, (body) => void b.push(body));
        await bus.broadcast(EXCHANGES.indexUpdates, { version: 1 });
        await waitFor('both subscribers', () => a.length === 1 && b.length === 1, timeoutMs);
        await subB.cancel();
        await bus.broadcast(EXCHANGES.indexUpdates, { version: 2 });
        await waitFor('the remaining subscriber', () => a.length === 2, timeoutMs);
        assert.deepEqual(a, [{ version: 1 }, { version: 2 }]);
        assert.deepEqual(b, [{ version: 1 }]);
      }));

    void it('routes replies to the asking instance with the correlation id', () =>
      withBus(async (bus) => {
        const replies: Array<{ body: unknown; correlationId: string }> = [];
        const address = await bus.openReplyQueue((body, correlationId) => void replies.push({ body, correlationId }));
        await bus.consume(Q, async (d) => {
          await delay(1);
          assert.ok(d.replyTo && d.correlationId);
          await bus.reply(d.replyTo, d.correlationId, { type: 'token', text: 'hi' });
          await bus.reply(d.replyTo, d.correlationId, { type: 'done' });
        }, { prefetch: 1, retry: retry() });
        await bus.send(Q, { q: 'hello?' }, { replyTo: address, correlationId: 'ask-1' });
        await waitFor('two replies', () => replies.length === 2, timeoutMs);
        assert.deepEqual(replies, [
          { body: { type: 'token', text: 'hi' }, correlationId: 'ask-1' },
          { body: { type: 'done' }, correlationId: 'ask-1' },
        ]);
      }));

    void it('rejects a send to the full answer queue with queue_full', () =>
      withBus(async (bus) => {
        for (let n = 0; n < 3; n++) await bus.send(Q, { n });
        await assert.rejects(bus.send(Q, { n: 3 }), (err: unknown) => {
          assert.ok(err instanceof UnavailableError, `expected UnavailableError, got ${String(err)}`);
          assert.equal(err.code, 'queue_full');
          return true;
        });
      }, 3));

    void it('close waits for handlers in flight, is idempotent, and refuses later sends', async () => {
      const prefix = uniquePrefix();
      const bus = await makeBus({ prefix, answerQueueMaxLength: 1000 });
      const hold = gate();
      let started = false;
      let finished = false;
      await bus.consume(Q, async () => {
        await delay(1);
        started = true;
        await hold.promise;
        finished = true;
      }, { prefetch: 1, retry: retry() });
      await bus.send(Q, { n: 1 });
      await waitFor('the handler to start', () => started, timeoutMs);
      assert.equal(bus.health(), 'ok', 'healthy while open and connected');
      const closing = bus.close();
      setTimeout(hold.open, 100);
      await closing;
      assert.equal(finished, true, 'close resolved before the handler finished');
      assert.equal(bus.health(), 'closed');
      await bus.close();
      await assert.rejects(bus.send(Q, { n: 2 }), UnavailableError);
      await opts.cleanup?.(prefix);
    });
  });
}
