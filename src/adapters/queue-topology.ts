/**
 * What each work queue is, independent of the broker: which queue has one active consumer at a
 * time and which one is bounded. RabbitMQ fixes these as queue arguments when the queue is declared,
 * so both adapters read them from here instead of from each consumer's options.
 */
import { QUEUES, type QueueName } from '../contracts/names.ts';

/** Only one consumer works the queue at a time; the rest stand by (one index writer). */
export function isSingleActiveQueue(queue: QueueName): boolean {
  return queue === QUEUES.ingestJobs;
}

/** Bounded queues reject new messages when full, so the web can answer 503 + Retry-After. */
export function isBoundedQueue(queue: QueueName): boolean {
  return queue === QUEUES.answerRequests;
}

/** The queue that keeps a queue's dead letters. */
export function deadLetterQueueName(queue: string): string {
  return `${queue}.dead`;
}
