/**
 * One RabbitMQ connection that comes back by itself. After a drop (broker restart, forced close,
 * missed heartbeats) it reconnects with bounded exponential backoff and hands every `onReady`
 * listener the new session, so topology, consumers and reply queues are re-created. Callers that
 * need the broker wait a bounded time for a session and get UnavailableError otherwise.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { errorMessage, UnavailableError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';

export interface RabbitSession {
  readonly connection: ChannelModel;
  /** Publisher-confirm channel shared by every publish of this session. */
  readonly publisher: ConfirmChannel;
  readonly generation: number;
}

export interface RabbitConnectionOptions {
  url: string;
  heartbeatSeconds: number;
  connectionName: string;
  reconnect: BackoffOptions;
  logger: Logger;
}

export class RabbitConnection {
  private current: RabbitSession | undefined;
  private generation = 0;
  private downSince: number | undefined = Date.now();
  private closing = false;
  private waiters = new Set<() => void>();
  private readonly listeners: Array<(s: RabbitSession) => void> = [];
  private readonly stop = new AbortController();

  constructor(private readonly opts: RabbitConnectionOptions) {}

  /** Connects, retrying with backoff for up to `timeoutMs`; then keeps the connection up. */
  async start(timeoutMs: number): Promise<void> {
    void this.connectLoop();
    await this.session(timeoutMs);
  }

  onReady(listener: (s: RabbitSession) => void): void {
    this.listeners.push(listener);
  }

  /** The live session, waiting up to `timeoutMs` for a reconnect. */
  async session(timeoutMs: number): Promise<RabbitSession> {
    if (this.closing) throw new UnavailableError('message bus is closed', { code: 'closed' });
    if (this.current) return this.current;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.waiters.add(wake);
    const timer = setTimeout(wake, timeoutMs);
    await woken;
    clearTimeout(timer);
    this.waiters.delete(wake);
    if (this.current) return this.current;
    if (this.closing) throw new UnavailableError('message bus is closed', { code: 'closed' });
    throw new UnavailableError(`RabbitMQ is not reachable (waited ${timeoutMs} ms)`, { code: 'broker_unavailable' });
  }

  /** 'ok' while connected, else since when the broker has been out of reach. */
  health(): string {
    if (this.current) return 'ok';
    if (this.closing) return 'closed';
    const since = this.downSince === undefined ? '' : ` for ${Math.round((Date.now() - this.downSince) / 1000)} s`;
    return `RabbitMQ unreachable${since}; reconnecting`;
  }

  isCurrent(s: RabbitSession): boolean {
    return this.current === s;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stop.abort();
    for (const wake of this.waiters) wake();
    const s = this.current;
    this.current = undefined;
    if (s) await s.connection.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    const log = this.opts.logger;
    for (let attempt = 1; !this.closing; attempt++) {
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        const wait = backoffDelay(attempt, this.opts.reconnect);
        log.warn({ attempt, retryInMs: wait, err: errorMessage(err) }, 'RabbitMQ connection failed; retrying');
        await sleep(wait, this.stop.signal);
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const connection = await amqp.connect(withHeartbeat(this.opts.url, this.opts.heartbeatSeconds), {
      clientProperties: { connection_name: this.opts.connectionName },
    });
    let publisher: ConfirmChannel;
    try {
      publisher = await connection.createConfirmChannel();
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
    if (this.closing) {
      await connection.close().catch(() => undefined);
      return;
    }
    const session: RabbitSession = { connection, publisher, generation: ++this.generation };
    connection.on('error', (err: unknown) => this.opts.logger.warn({ err: errorMessage(err) }, 'RabbitMQ connection error'));
    connection.on('close', () => this.lost(session));
    publisher.on('error', (err: unknown) => this.opts.logger.warn({ err: errorMessage(err) }, 'RabbitMQ publish channel error'));
    // The whole session is rebuilt if the shared publish channel dies while the connection lives.
    publisher.on('close', () => {
      if (this.current === session) void connection.close().catch(() => undefined);
    });
    this.current = session;
    this.downSince = undefined;
    this.opts.logger.info({ generation: session.generation }, 'RabbitMQ connected');
    for (const listener of this.listeners) listener(session);
    for (const wake of this.waiters) wake();
  }

  private lost(session: RabbitSession): void {
    if (this.current !== session) return;
    this.current = undefined;
    this.downSince = Date.now();
    if (this.closing) return;
    this.opts.logger.warn({ generation: session.generation }, 'RabbitMQ connection lost; reconnecting');
    void this.connectLoop();
  }
}

/** amqplib reads the heartbeat from the URL; keep one the URL already sets. */
function withHeartbeat(url: string, seconds: number): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(seconds));
  return u.toString();
}

/** Publishes on the confirm channel and resolves when the broker confirmed; rejects on nack or loss. */
export function publishConfirmed(
  session: RabbitSession,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): Promise<'ack' | 'nack'> {
  return new Promise((resolve, reject) => {
    try {
      session.publisher.publish(exchange, routingKey, content, options, (err: unknown) => {
        if (!err) return resolve('ack');
        // amqplib reports both a broker nack and a channel that closed before the confirm as errors.
        if (errorMessage(err) === 'message nacked') return resolve('nack');
        reject(new UnavailableError('RabbitMQ connection lost before the broker confirmed', { code: 'broker_unavailable', cause: err }));
      });
    } catch (err) {
      reject(new UnavailableError('RabbitMQ channel is closed', { code: 'broker_unavailable', cause: err }));
    }
  });
}
