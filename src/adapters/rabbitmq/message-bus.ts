/**
 * The RabbitMQ MessageBus (amqplib). Work messages are persistent and `send` resolves on the
 * publisher confirm; a nack from the bounded answer queue becomes UnavailableError('queue_full').
 * Consumers, reply queues and broadcast subscribers are endpoints re-attached after every
 * reconnect. Topology: see ./topology.ts; wire format: see ./codec.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeName, QueueName } from '../../contracts/names.ts';
import { errorMessage, UnavailableError } from '../../errors.ts';
import { logger as componentLogger, type Logger } from '../../log.ts';
import type {
  BroadcastHandler,
  ConsumeOptions,
  DeliveryHandler,
  MessageBus,
  QueueStats,
  ReplyHandler,
  SendOptions,
  Subscription,
} from '../../ports/message-bus.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import { checkRetryPolicy } from '../delivery-policy.ts';
import { isBoundedQueue, isSingleActiveQueue } from '../queue-topology.ts';
import { encodeBody, readDeadLetter } from './codec.ts';
import { publishConfirmed, RabbitConnection, type RabbitSession } from './connection.ts';
import type { Endpoint } from './channel-endpoint.ts';
import { BroadcastEndpoint, ReplyEndpoint } from './endpoints.ts';
import { RabbitQueueConsumer } from './queue-consumer.ts';
import { RabbitTopology } from './topology.ts';

export interface RabbitMessageBusOptions {
  /** amqp://user:pass@host:port/vhost (AMQP_URL). */
  url: string;
  /** Prepended verbatim to every queue and exchange name (AMQP_PREFIX). Default ''. */
  prefix?: string;
  /** x-max-length of answer.requests (ANSWER_QUEUE_MAX_LENGTH). Default 1000. */
  answerQueueMaxLength?: number;
  /** Dead letters kept per queue. Default 10 000. */
  deadLetterMaxLength?: number;
  /** AMQP heartbeat in seconds. Default 10. */
  heartbeatSeconds?: number;
  /** How long the first connection may take before the factory fails. Default 30 000 ms. */
  startupTimeoutMs?: number;
  /** How long `send`/`reply`/`broadcast` wait for a reconnect before UnavailableError. Default 5000 ms. */
  sendTimeoutMs?: number;
  /** Reconnect backoff. Default 500 ms doubling to 15 s. */
  reconnectBackoff?: BackoffOptions;
  /** Shown in the broker's connection list. Default "docent <prefix>". */
  connectionName?: string;
  logger?: Logger;
}

export async function createRabbitMessageBus(opts: RabbitMessageBusOptions): Promise<MessageBus> {
  const log = opts.logger ?? componentLogger('rabbitmq');
  const prefix = opts.prefix ?? '';
  const sendTimeoutMs = opts.sendTimeoutMs ?? 5000;
  const reconnect = opts.reconnectBackoff ?? { initialMs: 500, maxMs: 15_000 };
  const topology = new RabbitTopology({
    prefix,
    answerQueueMaxLength: opts.answerQueueMaxLength ?? 1000,
    deadLetterMaxLength: opts.deadLetterMaxLength ?? 10_000,
  });
  const connection = new RabbitConnection({
    url: opts.url,
    heartbeatSeconds: opts.heartbeatSeconds ?? 10,
    connectionName: opts.connectionName ?? `docent ${prefix}`.trim(),
    reconnect,
    logger: log,
  });
  const endpoints = new Set<Endpoint>();
  const session = (): Promise<RabbitSession> => connection.session(sendTimeoutMs);

  /** Attaches an endpoint to a fresh session, retrying while that session lives (e.g. RESOURCE_LOCKED). */
  const reattach = async (endpoint: Endpoint, s: RabbitSession): Promise<void> => {
    for (let attempt = 1; connection.isCurrent(s) && endpoints.has(endpoint); attempt++) {
      try {
        return await endpoint.attach(s);
      } catch (err) {
        const wait = backoffDelay(attempt, reconnect);
        log.warn({ attempt, retryInMs: wait, err: errorMessage(err) }, 're-creating a consumer failed; retrying');
        await sleep(wait);
      }
    }
  };
  connection.onReady((s) => {
    for (const endpoint of endpoints) void reattach(endpoint, s);
  });

  /** Registers an endpoint and attaches it now; if that fails the endpoint is dropped and the error thrown. */
  const open = async (endpoint: Endpoint): Promise<Subscription> => {
    endpoints.add(endpoint);
    try {
      await endpoint.attach(await session());
    } catch (err) {
      endpoints.delete(endpoint);
      await endpoint.cancel();
      throw err;
    }
    return {
      cancel: async () => {
        endpoints.delete(endpoint);
        await endpoint.cancel();
      },
    };
  };

  let closed: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closed) throw new UnavailableError('message bus is closed', { code: 'closed' });
  };

  await connection.start(opts.startupTimeoutMs ?? 30_000).catch(async (err: unknown) => {
    await connection.close();
    throw new UnavailableError(`cannot connect to RabbitMQ at ${redact(opts.url)}: ${errorMessage(err)}`, { cause: err });
  });

  return {
    kind: 'rabbitmq',

    health: () => connection.health(),

    async send(queue: QueueName, body: unknown, sendOpts: SendOptions = {}): Promise<void> {
      assertOpen();
      const content = encodeBody(body);
      const s = await session();
      await topology.ensureQueue(s, queue);
      const result = await publishConfirmed(s, '', topology.queue(queue), content, {
        persistent: true,
        contentType: 'application/json',
        messageId: sendOpts.messageId ?? randomUUID(),
        ...(sendOpts.correlationId === undefined ? {} : { correlationId: sendOpts.correlationId }),
        ...(sendOpts.replyTo === undefined ? {} : { replyTo: sendOpts.replyTo }),
        ...(sendOpts.headers === undefined ? {} : { headers: { ...sendOpts.headers } }),
      });
      if (result === 'nack') {
        if (isBoundedQueue(queue)) throw new UnavailableError(`queue ${queue} is full`, { code: 'queue_full' });
        throw new UnavailableError(`RabbitMQ refused the message for ${queue}`);
      }
    },

    async consume(queue: QueueName, handler: DeliveryHandler, consumeOpts: ConsumeOptions): Promise<Subscription> {
      assertOpen();
      if (!Number.isInteger(consumeOpts.prefetch) || consumeOpts.prefetch < 1) {
        throw new RangeError(`prefetch must be a positive integer, got ${consumeOpts.prefetch}`);
      }
      if (consumeOpts.singleActive && !isSingleActiveQueue(queue)) {
        throw new RangeError(`queue ${queue} is not a single-active-consumer queue`);
      }
      checkRetryPolicy(consumeOpts.retry);
      return open(new RabbitQueueConsumer(queue, handler, consumeOpts, { topology, session, logger: log }));
    },

    async queueStats(queue: QueueName): Promise<QueueStats> {
      assertOpen();
      const s = await session();
      await topology.ensureQueue(s, queue);
      // A short-lived channel: a failed check closes only it.
      const ch = await s.connection.createChannel();
      ch.on('error', () => undefined);
      try {
        const work = await ch.checkQueue(topology.queue(queue));
        const dead = await ch.checkQueue(topology.deadQueue(queue));
        return { messages: work.messageCount, consumers: work.consumerCount, deadLetters: dead.messageCount };
      } finally {
        await ch.close().catch(() => undefined);
      }
    },

    async openReplyQueue(handler: ReplyHandler): Promise<string> {
      assertOpen();
      const endpoint = new ReplyEndpoint(topology.replyQueue(randomUUID()), handler, log);
      await open(endpoint);
      return endpoint.queueName;
    },

    async reply(replyTo: string, correlationId: string, body: unknown): Promise<void> {
      assertOpen();
      const content = encodeBody(body);
      // Not persistent: a reply is worth nothing after the asking instance is gone.
      await publishConfirmed(await session(), '', replyTo, content, { persistent: false, contentType: 'application/json', correlationId });
    },

    async broadcast(exchange: ExchangeName, body: unknown): Promise<void> {
      assertOpen();
      const content = encodeBody(body);
      const s = await session();
      await topology.ensureExchange(s, exchange);
      await publishConfirmed(s, topology.exchange(exchange), '', content, { persistent: false, contentType: 'application/json' });
    },

    async subscribe(exchange: ExchangeName, handler: BroadcastHandler): Promise<Subscription> {
      assertOpen();
      return open(new BroadcastEndpoint(exchange, handler, topology, log));
    },

    async deadLetters(queue: QueueName, max: number): Promise<Array<{ body: unknown; reason: string }>> {
      assertOpen();
      const s = await session();
      await topology.ensureQueue(s, queue);
      // Peek: take up to `max` without ack, then close the channel so the broker puts them back in order.
      const ch = await s.connection.createChannel();
      ch.on('error', () => undefined);
      const out: Array<{ body: unknown; reason: string }> = [];
      try {
        while (out.length < max) {
          const msg = await ch.get(topology.deadQueue(queue), { noAck: false });
          if (!msg) break;
          out.push(readDeadLetter(msg));
        }
      } finally {
        await ch.close().catch(() => undefined);
      }
      return out;
    },

    close(): Promise<void> {
      closed ??= (async () => {
        const all = [...endpoints];
        endpoints.clear();
        const results = await Promise.allSettled(all.map((e) => e.cancel()));
        for (const r of results) if (r.status === 'rejected') log.warn({ err: errorMessage(r.reason) }, 'cancelling a consumer failed');
        await connection.close();
      })();
      return closed;
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
