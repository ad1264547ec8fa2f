/**
 * One consumer of a RabbitMQ work queue, surviving reconnects: each session gets its own channel
 * with the consumer's prefetch. A message is acked only after the handler resolved. On a throw the
 * shared delivery policy decides: requeue = republish with x-attempt + 1, then ack the original (so
 * the count survives, unlike basic.nack); dead-letter = publish to the dead-letter exchange with an
 * x-death-reason header, then ack. A redelivery after a crash (redelivered flag) counts an attempt.
 * The channel life cycle (per-session attach, cancel after draining) is ChannelEndpoint's.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { QueueName } from '../../contracts/names.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { ConsumeOptions, Delivery, DeliveryHandler } from '../../ports/message-bus.ts';
import { sleep } from '../backoff.ts';
import { deadLetterReason, decideDelivery, isLastAttempt, requeueDelay } from '../delivery-policy.ts';
import { publishConfirmed, type RabbitSession } from './connection.ts';
import type { RabbitTopology } from './topology.ts';
import { ATTEMPT_HEADER, REASON_HEADER, attemptOf, decodeBody, stringHeaders } from './codec.ts';
import { ChannelEndpoint } from './channel-endpoint.ts';

export interface QueueConsumerDeps {
  topology: RabbitTopology;
  /** The session to publish requeues and dead letters on (the current one, after a reconnect). */
  session: () => Promise<RabbitSession>;
  logger: Logger;
}

export class RabbitQueueConsumer extends ChannelEndpoint {
  private consumerTag: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly queue: QueueName,
    private readonly handler: DeliveryHandler,
    private readonly opts: ConsumeOptions,
    private readonly deps: QueueConsumerDeps,
  ) {
    super(deps.logger.child({ queue }));
  }

  protected async setUp(ch: Channel, session: RabbitSession): Promise<void> {
    await this.deps.topology.ensureQueue(session, this.queue);
    await ch.prefetch(this.opts.prefetch);
    const { consumerTag } = await ch.consume(this.deps.topology.queue(this.queue), (msg) => this.onMessage(ch, msg), { noAck: false });
    this.consumerTag = consumerTag;
  }

  /** Stops the deliveries, aborts requeue backoffs, waits for the handlers in flight. */
  protected override async drain(): Promise<void> {
    const ch = this.channel;
    if (ch && this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private onMessage(ch: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      this.log.warn('consumer cancelled by the broker (queue deleted?)');
      return;
    }
    const work = this.handle(ch, msg).catch((err: unknown) =>
      this.log.error({ err: errorMessage(err) }, 'message handling failed; the broker will redeliver it'),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const props = msg.properties;
    const attempt = attemptOf(msg);
    const messageId = typeof props.messageId === 'string' ? props.messageId : '';
    const log = this.log.child({ messageId, attempt });
    const decoded = decodeBody(msg.content);
    if (!decoded.ok) {
      await this.deadLetter(ch, msg, decoded.reason, attempt, log);
      return;
    }
    const delivery: Delivery = {
      body: decoded.body,
      messageId,
      correlationId: typeof props.correlationId === 'string' ? props.correlationId : undefined,
      replyTo: typeof props.replyTo === 'string' ? props.replyTo : undefined,
      attempt,
      lastAttempt: isLastAttempt(attempt, this.opts.retry),
      redelivered: msg.fields.redelivered,
      headers: stringHeaders(msg),
    };
    try {
      await this.handler(delivery);
    } catch (err) {
      if (decideDelivery(err, delivery.lastAttempt) === 'dead-letter') {
        await this.deadLetter(ch, msg, deadLetterReason(err, attempt), attempt, log);
      } else {
        log.info({ err: errorMessage(err) }, 'handler failed; requeueing');
        await this.requeue(ch, msg, attempt);
      }
      return;
    }
    ackQuietly(ch, msg);
  }

  private async requeue(ch: Channel, msg: ConsumeMessage, attempt: number): Promise<void> {
    await sleep(requeueDelay(attempt, this.opts.retry), this.abort.signal);
    try {
      const session = await this.deps.session();
      const headers = { ...(msg.properties.headers ?? {}), [ATTEMPT_HEADER]: attempt + 1 };
      const result = await publishConfirmed(session, '', this.deps.topology.queue(this.queue), msg.content, { ...publishProps(msg), headers });
      if (result === 'nack') throw new Error('broker refused the requeued copy (queue full?)');
      ackQuietly(ch, msg);
    } catch (err) {
      // The original goes back as it is; its redelivered flag still counts the attempt.
      this.log.warn({ err: errorMessage(err) }, 'requeue by republish failed; returning the message');
      nackQuietly(ch, msg);
    }
  }

  private async deadLetter(ch: Channel, msg: ConsumeMessage, reason: string, attempt: number, log: Logger): Promise<void> {
    log.warn({ reason }, 'message dead-lettered');
    try {
      const session = await this.deps.session();
      const headers = { ...(msg.properties.headers ?? {}), [REASON_HEADER]: reason, [ATTEMPT_HEADER]: attempt };
      const dlx = this.deps.topology.deadLetterExchange();
      const result = await publishConfirmed(session, dlx, this.deps.topology.queue(this.queue), msg.content, { ...publishProps(msg), headers });
      if (result === 'nack') throw new Error('broker refused the dead letter');
      ackQuietly(ch, msg);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'dead-lettering failed; returning the message');
      nackQuietly(ch, msg);
    }
  }
}

function publishProps(msg: ConsumeMessage): { persistent: true; contentType: string; messageId?: string; correlationId?: string; replyTo?: string } {
  const p = msg.properties;
  return {
    persistent: true,
    contentType: typeof p.contentType === 'string' ? p.contentType : 'application/json',
    ...(typeof p.messageId === 'string' ? { messageId: p.messageId } : {}),
    ...(typeof p.correlationId === 'string' ? { correlationId: p.correlationId } : {}),
    ...(typeof p.replyTo === 'string' ? { replyTo: p.replyTo } : {}),
  };
}

/** An ack on a channel that died with its connection is moot: the broker redelivers the message. */
function ackQuietly(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.ack(msg);
  } catch {
    /* channel closed; the message will be redelivered */
  }
}

function nackQuietly(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.nack(msg, false, true);
  } catch {
    /* channel closed; the message will be redelivered */
  }
}
