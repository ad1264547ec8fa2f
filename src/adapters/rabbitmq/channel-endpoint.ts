/**
 * The life cycle every RabbitMQ consumer shares (work-queue consumers, reply queues, broadcast
 * subscribers): a channel of its own per session, re-created by `attach` after every reconnect,
 * and an idempotent `cancel` that stops taking messages, lets the subclass drain what is in
 * flight, then closes the channel. Subclasses declare their queue and start consuming in `setUp`.
 */
import type { Channel } from 'amqplib';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { RabbitSession } from './connection.ts';

export interface Endpoint {
  /** Starts consuming in this session; a no-op if already attached to it or cancelled. */
  attach(session: RabbitSession): Promise<void>;
  /** Stops taking messages, drains, closes the channel. Idempotent. */
  cancel(): Promise<void>;
}

export abstract class ChannelEndpoint implements Endpoint {
  /** The channel of the current session, set once `setUp` succeeded. */
  protected channel: Channel | undefined;
  private attachedTo: RabbitSession | undefined;
  protected cancelled = false;

  /** `log` should carry the endpoint's context (queue or exchange): channel errors are logged on it. */
  constructor(protected readonly log: Logger) {}

  async attach(session: RabbitSession): Promise<void> {
    if (this.cancelled || this.attachedTo === session) return;
    this.attachedTo = session;
    let ch: Channel | undefined;
    try {
      ch = await session.connection.createChannel();
      ch.on('error', (err: unknown) => this.log.warn({ err: errorMessage(err) }, 'channel error'));
      await this.setUp(ch, session);
    } catch (err) {
      this.attachedTo = undefined;
      // A half set-up channel would otherwise stay open until its connection dies.
      if (ch) await ch.close().catch(() => undefined);
      throw err;
    }
    this.channel = ch;
    // cancel() ran during the set-up and found no channel yet: close it here instead.
    if (this.cancelled) await this.closeChannel();
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    await this.drain();
    await this.closeChannel();
  }

  /** Declares what the endpoint consumes from and starts consuming on `ch`. */
  protected abstract setUp(ch: Channel, session: RabbitSession): Promise<void>;
  /** Called once by cancel(), before the channel closes: stop consuming and wait for handlers. */
  protected async drain(): Promise<void> {}

  private async closeChannel(): Promise<void> {
    const ch = this.channel;
    this.channel = undefined;
    if (ch) await ch.close().catch(() => undefined);
  }
}
