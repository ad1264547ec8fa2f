/**
 * The one place that turns a failed delivery into "try again" or "give up" (STYLE.md: errors say
 * whether they are retryable; one place maps that to ack / requeue / dead-letter). Every message-bus
 * adapter calls it, so RabbitMQ and the in-process bus fail the same way.
 */
import { errorMessage, isRetryable } from '../errors.ts';

export type DeliveryDecision = 'requeue' | 'dead-letter';

/** Attempts before a retryable failure is dead-lettered when the consumer does not say. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Decides what happens to a message whose handler threw on delivery number `attempt` (1-based).
 * Non-retryable errors (InvalidInputError, TypeError and the other programming errors) are
 * dead-lettered at once: running them again gives the same result.
 */
export function decideDelivery(error: unknown, attempt: number, maxAttempts: number): DeliveryDecision {
  if (!isRetryable(error)) return 'dead-letter';
  return attempt < maxAttempts ? 'requeue' : 'dead-letter';
}

/** The reason stored with a dead letter: what failed, and after how many attempts. */
export function deadLetterReason(error: unknown, attempt: number): string {
  const name = error instanceof Error ? error.name : 'Error';
  const verdict = isRetryable(error) ? `gave up after ${attempt} attempt(s)` : 'not retryable';
  return `${name}: ${errorMessage(error)} (${verdict})`;
}
