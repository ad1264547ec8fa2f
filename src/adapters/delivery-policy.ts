/**
 * The one place that turns a failed delivery into "try again" or "give up" (STYLE.md: errors say
 * whether they are retryable; one place maps that to ack / requeue / dead-letter). Every message-bus
 * adapter calls it with the consumer's RetryPolicy, so RabbitMQ and the in-process bus count
 * attempts, wait and fail the same way.
 */
import { errorMessage, isRetryable } from '../errors.ts';
import type { RetryPolicy } from '../ports/message-bus.ts';
import { backoffDelay } from './backoff.ts';

export type DeliveryDecision = 'requeue' | 'dead-letter';

/** Refuses a policy no queue can keep (checked when a consumer starts, not on its first failure). */
export function checkRetryPolicy(policy: RetryPolicy): void {
  const { maxAttempts, backoff } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
  if (!(backoff.initialMs >= 0 && backoff.maxMs >= backoff.initialMs)) {
    throw new RangeError(`retry.backoff must have 0 <= initialMs <= maxMs, got ${backoff.initialMs} and ${backoff.maxMs}`);
  }
}

/** Whether delivery number `attempt` (1-based) is the last one the policy allows. */
export function isLastAttempt(attempt: number, policy: RetryPolicy): boolean {
  return attempt >= policy.maxAttempts;
}

/**
 * Decides what happens to a message whose handler threw. Non-retryable errors (InvalidInputError,
 * TypeError and the other programming errors) are dead-lettered at once: running them again gives
 * the same result.
 */
export function decideDelivery(error: unknown, lastAttempt: boolean): DeliveryDecision {
  if (!isRetryable(error)) return 'dead-letter';
  return lastAttempt ? 'dead-letter' : 'requeue';
}

/** How long a message that failed on delivery number `attempt` waits before it is offered again. */
export function requeueDelay(attempt: number, policy: RetryPolicy): number {
  return backoffDelay(attempt, policy.backoff);
}

/** The reason stored with a dead letter: what failed, and after how many attempts. */
export function deadLetterReason(error: unknown, attempt: number): string {
  const name = error instanceof Error ? error.name : 'Error';
  const verdict = isRetryable(error) ? `gave up after ${attempt} attempt(s)` : 'not retryable';
  return `${name}: ${errorMessage(error)} (${verdict})`;
}
