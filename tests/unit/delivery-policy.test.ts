/** The one mapping from a handler failure to requeue / dead-letter. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backoffDelay } from '../../src/adapters/backoff.ts';
import { deadLetterReason, decideDelivery } from '../../src/adapters/delivery-policy.ts';
import { AppError, InvalidInputError, UnavailableError } from '../../src/errors.ts';

void it('requeues a retryable error while attempts remain', () => {
  assert.equal(decideDelivery(new UnavailableError('down'), 1, 3), 'requeue');
  assert.equal(decideDelivery(new UnavailableError('down'), 2, 3), 'requeue');
  assert.equal(decideDelivery(new Error('unknown trouble'), 1, 3), 'requeue');
});

void it('dead-letters a retryable error on the last attempt', () => {
  assert.equal(decideDelivery(new UnavailableError('down'), 3, 3), 'dead-letter');
  assert.equal(decideDelivery(new UnavailableError('down'), 7, 3), 'dead-letter');
  assert.equal(decideDelivery(new UnavailableError('down'), 1, 1), 'dead-letter');
});

void it('dead-letters bad input and programming errors at once', () => {
  assert.equal(decideDelivery(new InvalidInputError('no question'), 1, 3), 'dead-letter');
  assert.equal(decideDelivery(new AppError('gave up', { retryable: false }), 1, 3), 'dead-letter');
  assert.equal(decideDelivery(new TypeError('x is undefined'), 1, 3), 'dead-letter');
  assert.equal(decideDelivery(new RangeError('bad length'), 1, 3), 'dead-letter');
  assert.equal(decideDelivery(new SyntaxError('bad JSON'), 1, 3), 'dead-letter');
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
