/**
 * The work-queue / request-reply / broadcast port. RabbitMQ implements it for deployments,
 * the in-process adapter for `npm start`; both pass tests/support/message-bus.contract.ts.
 *
 * Semantics every implementation keeps:
 * - `send` to a work queue is durable and resolves once the broker has the message; a full queue
 *   rejects with UnavailableError (code `queue_full`).
 * - `consume` delivers to competing consumers, at most `prefetch` unacknowledged at once. A message
 *   is acknowledged only after the handler resolves. When the handler throws, the delivery policy
 *   (src/adapters/delivery-policy.ts) requeues it (attempt + 1, after the consumer's RetryPolicy
 *   backoff) while the error is retryable and attempts remain, otherwise dead-letters it with the
 *   reason to `<queue>.dead`. A delivery says whether it is the last attempt, so handlers that tell
 *   someone about a failure never redo the arithmetic.
 * - a message whose consumer died before acknowledging is delivered again (`redelivered`).
 * - `broadcast` reaches every current subscriber of the exchange (fanout); nothing is kept for
 *   subscribers that come later.
 * - replies go to the private queue of the instance that asked; they are not durable.
 */
import type { ExchangeName, QueueName } from '../contracts/names.ts';

export interface Delivery {
  /** The decoded JSON body; the consumer validates it against its contract. */
  readonly body: unknown;
  readonly messageId: string;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  /** 1 on the first delivery; counts requeues by the delivery policy and redeliveries after a crash. */
  readonly attempt: number;
  /** True when a failure of this delivery is not tried again (attempt >= the policy's maxAttempts). */
  readonly lastAttempt: boolean;
  readonly redelivered: boolean;
  /** Headers the sender set (W3C trace context: `traceparent`, `tracestate`); absent or empty when none. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendOptions {
  messageId?: string;
  correlationId?: string;
  replyTo?: string;
  /** String headers that travel with the message (W3C trace context); names starting `x-` are the bus's own. */
  headers?: Readonly<Record<string, string>>;
}

/** A work queue as an operator sees it now (metrics read this on scrape). */
export interface QueueStats {
  /** Messages waiting to be delivered (not those held unacknowledged by a consumer). */
  readonly messages: number;
  readonly consumers: number;
  /** Messages in the queue's dead-letter queue. */
  readonly deadLetters: number;
}

/**
 * How a consumer's failed messages are tried again: one policy for every work queue, set in the
 * config (RETRY_MAX_ATTEMPTS, RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS in src/config.ts) and handed to
 * `consume`. Non-retryable errors are dead-lettered at once whatever the policy says.
 */
export interface RetryPolicy {
  /** Deliveries a message gets in all; a retryable failure on the last one is dead-lettered. */
  readonly maxAttempts: number;
  /** Wait before a failed message is offered again: initialMs, doubling per attempt up to maxMs, +-20 % jitter. */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
}

export interface ConsumeOptions {
  /** Most unacknowledged messages this consumer holds at once. */
  prefetch: number;
  /** Only one consumer of the queue is active at a time; others stand by (RabbitMQ single-active-consumer). */
  singleActive?: boolean;
  /** Attempts and backoff for failed messages (the config's `retry`). */
  retry: RetryPolicy;
}

export interface Subscription {
  /** Stops taking new messages; resolves when handlers in flight have finished. */
  cancel(): Promise<void>;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;
export type ReplyHandler = (body: unknown, correlationId: string) => void;
export type BroadcastHandler = (body: unknown) => Promise<void> | void;

export interface MessageBus {
  readonly kind: 'rabbitmq' | 'memory';
  send(queue: QueueName, body: unknown, opts?: SendOptions): Promise<void>;
  consume(queue: QueueName, handler: DeliveryHandler, opts: ConsumeOptions): Promise<Subscription>;
  /** Opens this instance's private reply queue once; returns its address for `replyTo`. */
  openReplyQueue(handler: ReplyHandler): Promise<string>;
  reply(replyTo: string, correlationId: string, body: unknown): Promise<void>;
  broadcast(exchange: ExchangeName, body: unknown): Promise<void>;
  subscribe(exchange: ExchangeName, handler: BroadcastHandler): Promise<Subscription>;
  /** Dead-lettered messages of a queue, oldest first (operators and tests look here). */
  deadLetters(queue: QueueName, max: number): Promise<Array<{ body: unknown; reason: string }>>;
  /** Optional: depth, consumers and dead letters of a work queue right now. */
  queueStats?(queue: QueueName): Promise<QueueStats>;
  /** 'ok', or what is wrong right now in words an operator can act on (readiness shows it). */
  health(): string;
  /** Idempotent: stops consumers, waits for handlers in flight, closes connections. */
  close(): Promise<void>;
}
