/**
 * One in-process work queue: competing consumers with prefetch, ack after the handler, requeue or
 * dead-letter through the shared delivery policy, an optional single active consumer and an
 * optional length bound. It keeps RabbitMQ's observable behaviour so the core cannot tell the two
 * apart (tests/support/message-bus.contract.ts runs against both).
 */
import type { Logger } from '../../log.ts';
import type { ConsumeOptions, Delivery, DeliveryHandler, RetryPolicy } from '../../ports/message-bus.ts';
import { errorMessage, UnavailableError } from '../../errors.ts';
import { sleep } from '../backoff.ts';
import { checkRetryPolicy, deadLetterReason, decideDelivery, isLastAttempt, requeueDelay } from '../delivery-policy.ts';

export interface StoredMessage {
  /** The body as JSON text: a copy, as a broker would hold, so senders cannot mutate it later. */
  readonly json: string;
  readonly messageId: string;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  readonly attempt: number;
  readonly headers: Readonly<Record<string, string>>;
}

interface Consumer {
  readonly handler: DeliveryHandler;
  readonly prefetch: number;
  readonly retry: RetryPolicy;
  readonly inFlight: Set<Promise<void>>;
  readonly abort: AbortController;
}

export interface WorkQueueOptions {
  name: string;
  singleActive: boolean;
  /** Most ready messages; undefined means unbounded. */
  maxLength: number | undefined;
  /** Dead letters kept per queue (oldest dropped first) so a long-running process stays bounded. */
  maxDeadLetters: number;
  logger: Logger;
}

export class MemoryWorkQueue {
  private readonly ready: StoredMessage[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly dead: Array<{ body: unknown; reason: string }> = [];
  private nextConsumer = 0;
  private dispatchScheduled = false;

  constructor(private readonly opts: WorkQueueOptions) {}

  enqueue(message: StoredMessage): void {
    const max = this.opts.maxLength;
    if (max !== undefined && this.ready.length >= max) {
      throw new UnavailableError(`queue ${this.opts.name} is full (${max} messages waiting)`, { code: 'queue_full' });
    }
    this.ready.push(message);
    this.scheduleDispatch();
  }

  addConsumer(handler: DeliveryHandler, opts: ConsumeOptions): { cancel(): Promise<void> } {
    if (!Number.isInteger(opts.prefetch) || opts.prefetch < 1) throw new RangeError(`prefetch must be a positive integer, got ${opts.prefetch}`);
    checkRetryPolicy(opts.retry);
    const consumer: Consumer = {
      handler,
      prefetch: opts.prefetch,
      retry: opts.retry,
      inFlight: new Set(),
      abort: new AbortController(),
    };
    this.consumers.push(consumer);
    this.scheduleDispatch();
    let cancelled: Promise<void> | undefined;
    return {
      cancel: () => (cancelled ??= this.removeConsumer(consumer)),
    };
  }

  deadLetters(max: number): Array<{ body: unknown; reason: string }> {
    return this.dead.slice(0, Math.max(0, max));
  }

  /** Ready messages, consumers and dead letters now (a standby single-active consumer counts). */
  stats(): { messages: number; consumers: number; deadLetters: number } {
    return { messages: this.ready.length, consumers: this.consumers.length, deadLetters: this.dead.length };
  }

  private async removeConsumer(consumer: Consumer): Promise<void> {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    // Pending requeue delays end at once: the message goes back for the next consumer.
    consumer.abort.abort();
    await Promise.allSettled([...consumer.inFlight]);
    this.scheduleDispatch();
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Hands ready messages to consumers with free prefetch slots, round-robin. */
  private dispatch(): void {
    // Single active: only the longest-standing consumer receives; the others stand by.
    const eligible = this.opts.singleActive ? this.consumers.slice(0, 1) : this.consumers;
    while (this.ready.length > 0) {
      const consumer = this.pickConsumer(eligible);
      if (!consumer) return;
      const message = this.ready.shift();
      if (!message) return;
      const work = this.deliver(consumer, message).finally(() => {
        consumer.inFlight.delete(work);
        this.scheduleDispatch();
      });
      consumer.inFlight.add(work);
    }
  }

  private pickConsumer(eligible: Consumer[]): Consumer | undefined {
    for (let n = 0; n < eligible.length; n++) {
      const c = eligible[(this.nextConsumer + n) % eligible.length];
      if (c && c.inFlight.size < c.prefetch) {
        this.nextConsumer = (this.nextConsumer + n + 1) % Math.max(1, eligible.length);
        return c;
      }
    }
    return undefined;
  }

  private async deliver(consumer: Consumer, message: StoredMessage): Promise<void> {
    const delivery: Delivery = {
      body: JSON.parse(message.json) as unknown,
      messageId: message.messageId,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
      attempt: message.attempt,
      lastAttempt: isLastAttempt(message.attempt, consumer.retry),
      redelivered: false,
      headers: message.headers,
    };
    const log = this.opts.logger.child({ queue: this.opts.name, messageId: message.messageId, attempt: message.attempt });
    try {
      await consumer.handler(delivery);
      return;
    } catch (err) {
      if (decideDelivery(err, delivery.lastAttempt) === 'dead-letter') {
        const reason = deadLetterReason(err, message.attempt);
        log.warn({ reason }, 'message dead-lettered');
        this.dead.push({ body: delivery.body, reason });
        if (this.dead.length > this.opts.maxDeadLetters) this.dead.shift();
        return;
      }
      log.info({ err: errorMessage(err) }, 'handler failed; message requeued');
      // The consumer's slot stays taken during the backoff, as a broker consumer would be busy.
      await sleep(requeueDelay(message.attempt, consumer.retry), consumer.abort.signal);
      // A requeue never hits the length bound: the message was already admitted once.
      this.ready.push({ ...message, attempt: message.attempt + 1 });
    }
  }
}
