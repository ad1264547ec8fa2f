/** The one mapping from a handler failure to requeue / dead-letter, under a consumer's retry policy. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backoffDelay } from '../../src/adapters/backoff.ts';
import { checkRetryPolicy, deadLetterReason, decideDelivery, isLastAttempt, requeueDelay } from '../../src/adapters/delivery-policy.ts';
import { AppError, InvalidInputError, UnavailableError } from '../../src/errors.ts';

const policy = (maxAttempts: number) => ({ maxAttempts, backoff: { initialMs: 100, maxMs: 1000 } });
const decide = (err: unknown, attempt: number, maxAttempts: number) => decideDelivery(err, isLastAttempt(attempt, policy(maxAttempts)));

void it('requeues a retryable error while attempts remain', () => {
  assert.equal(decide(new UnavailableError('down'), 1, 3), 'requeue');
  assert.equal(decide(new UnavailableError('down'), 2, 3), 'requeue');
  assert.equal(decide(new Error('unknown trouble'), 1, 3), 'requeue');
});

void it('dead-letters a retryable error on the last attempt', () => {
  assert.equal(decide(new UnavailableError('down'), 3, 3), 'dead-letter');
  assert.equal(decide(new UnavailableError('down'), 7, 3), 'dead-letter');
  assert.equal(decide(new UnavailableError('down'), 1, 1), 'dead-letter');
});

void it('dead-letters bad input and programming errors at once', () => {
  assert.equal(decide(new InvalidInputError('no question'), 1, 3), 'dead-letter');
  assert.equal(decide(new AppError('gave up', { retryable: false }), 1, 3), 'dead-letter');
  assert.equal(decide(new TypeError('x is undefined'), 1, 3), 'dead-letter');
  assert.equal(decide(new RangeError('bad length'), 1, 3), 'dead-letter');
  assert.equal(decide(new SyntaxError('bad JSON'), 1, 3), 'dead-letter');
});

void it('the last attempt is the policy\'s maxAttempts, or any later redelivery', () => {
  assert.deepEqual([1, 2, 3, 4].map((a) => isLastAttempt(a, policy(3))), [false, false, true, true]);
  assert.equal(isLastAttempt(1, policy(1)), true);
});

void it('refuses a retry policy no queue can keep', () => {
  assert.throws(() => checkRetryPolicy(policy(0)), /retry.maxAttempts must be a positive integer, got 0/);
  assert.throws(() => checkRetryPolicy(policy(1.5)), /maxAttempts/);
  assert.throws(() => checkRetryPolicy({ maxAttempts: 3, backoff: { initialMs: 500, maxMs: 100 } }), /initialMs <= maxMs/);
  assert.doesNotThrow(() => checkRetryPolicy(policy(1)));
});

void it('names the error and the verdict in the dead-letter reason', () => {
  assert.match(deadLetterReason(new InvalidInputError('no question'), 1), /InvalidInputError: no question \(not retryable\)/);
  assert.match(deadLetterReason(new UnavailableError('down'), 3), /UnavailableError: down \(gave up after 3 attempt\(s\)\)/);
  assert.match(deadLetterReason('plain string', 1), /plain string/);
});

void it('backs off exponentially within the bound', () => {
  const opts = { initialMs: 100, maxMs: 1000 };
  for (let i = 0; i < 20; i++) {
    const d1 = backoffDelay(1, opts);
    assert.ok(d1 >= 80 && d1 <= 120, `first delay ${d1}`);
    const d3 = backoffDelay(3, opts);
    assert.ok(d3 >= 320 && d3 <= 480, `third delay ${d3}`);
    assert.ok(backoffDelay(50, opts) <= 1000);
  }
});

void it('waits before a requeue as the policy\'s backoff says', () => {
  for (let i = 0; i < 20; i++) {
    const d = requeueDelay(2, policy(3));
    assert.ok(d >= 160 && d <= 240, `second delay ${d}`);
  }
});
