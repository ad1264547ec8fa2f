/**
 * The two non-work consumers, both re-created on every session (life cycle: ./channel-endpoint.ts):
 * - a reply queue: exclusive, auto-delete, not durable, one per `openReplyQueue` call. It keeps its
 *   client-chosen name across reconnects (a server-named queue would get a new name, and replies
 *   to requests already in flight would go to the old, deleted address).
 * - a broadcast subscriber: its own exclusive server-named queue bound to the fanout exchange;
 *   broadcasts are handled one at a time in order, and a failing handler is logged, not retried.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ExchangeName } from '../../contracts/names.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { BroadcastHandler, ReplyHandler } from '../../ports/message-bus.ts';
import { decodeBody } from './codec.ts';
import { ChannelEndpoint } from './channel-endpoint.ts';
import type { RabbitSession } from './connection.ts';
import type { RabbitTopology } from './topology.ts';

export class ReplyEndpoint extends ChannelEndpoint {
  constructor(
    readonly queueName: string,
    private readonly handler: ReplyHandler,
    log: Logger,
  ) {
    super(log);
  }

  protected async setUp(ch: Channel): Promise<void> {
    await ch.assertQueue(this.queueName, { exclusive: true, autoDelete: true, durable: false });
    await ch.consume(this.queueName, (msg) => msg && this.onReply(msg), { noAck: true });
  }

  private onReply(msg: ConsumeMessage): void {
    const correlationId = msg.properties.correlationId as unknown;
    const decoded = decodeBody(msg.content);
    if (typeof correlationId !== 'string' || !decoded.ok) {
      this.log.warn({ correlationId, reason: decoded.ok ? 'no correlation id' : decoded.reason }, 'unusable reply dropped');
      return;
    }
    try {
      this.handler(decoded.body, correlationId);
    } catch (err) {
      this.log.error({ correlationId, err: errorMessage(err) }, 'reply handler threw');
    }
  }
}

export class BroadcastEndpoint extends ChannelEndpoint {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly exchange: ExchangeName,
    private readonly handler: BroadcastHandler,
    private readonly topology: RabbitTopology,
    log: Logger,
  ) {
    super(log);
  }

  protected async setUp(ch: Channel, session: RabbitSession): Promise<void> {
    await this.topology.ensureExchange(session, this.exchange);
    await ch.prefetch(16);
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, this.topology.exchange(this.exchange), '');
    await ch.consume(queue, (msg) => msg && this.enqueue(ch, msg), { noAck: false });
  }

  protected override async drain(): Promise<void> {
    await this.tail;
  }

  private enqueue(ch: Channel, msg: ConsumeMessage): void {
    this.tail = this.tail.then(async () => {
      const decoded = decodeBody(msg.content);
      if (!decoded.ok) this.log.warn({ exchange: this.exchange, reason: decoded.reason }, 'unusable broadcast dropped');
      else if (!this.cancelled) {
        try {
          await this.handler(decoded.body);
        } catch (err) {
          this.log.warn({ exchange: this.exchange, err: errorMessage(err) }, 'broadcast handler failed');
        }
      }
      try {
        ch.ack(msg);
      } catch {
        /* channel gone with its exclusive queue */
      }
    });
  }
}
