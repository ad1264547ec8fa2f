/**
 * RabbitMQ names and declarations. Every name carries the configured prefix verbatim (AMQP_PREFIX
 * "staging." gives "staging.answer.requests"). Work queues are durable with a dead-letter exchange
 * routing to `<queue>.dead`; answer.requests is bounded with reject-publish (a full queue nacks the
 * publish, which the web turns into 503 + Retry-After); ingest.jobs has a single active consumer.
 * Declarations run on a short-lived channel: a refused declaration closes only that channel.
 *
 * Queue arguments are fixed once a queue exists: changing ANSWER_QUEUE_MAX_LENGTH on a running
 * broker makes the declaration fail with PRECONDITION_FAILED until the queue is deleted or a policy
 * is used instead.
 */
import type { Channel, Options } from 'amqplib';
import type { ExchangeName, QueueName } from '../../contracts/names.ts';
import { deadLetterQueueName, isBoundedQueue, isSingleActiveQueue } from '../queue-topology.ts';
import type { RabbitSession } from './connection.ts';

export interface TopologyOptions {
  prefix: string;
  answerQueueMaxLength: number;
  /** Dead letters kept per queue; the oldest are dropped beyond it. */
  deadLetterMaxLength: number;
}

export class RabbitTopology {
  /** Declarations done in a session; a new session (reconnect) declares again. */
  private readonly declared = new WeakMap<RabbitSession, Map<string, Promise<void>>>();

  constructor(private readonly opts: TopologyOptions) {}

  queue(name: QueueName): string {
    return `${this.opts.prefix}${name}`;
  }

  deadQueue(name: QueueName): string {
    return deadLetterQueueName(this.queue(name));
  }

  deadLetterExchange(): string {
    return `${this.opts.prefix}dlx`;
  }

  exchange(name: ExchangeName): string {
    return `${this.opts.prefix}${name}`;
  }

  replyQueue(id: string): string {
    return `${this.opts.prefix}reply.${id}`;
  }

  /** Declares the work queue, its dead-letter exchange and dead queue, once per session. */
  ensureQueue(session: RabbitSession, name: QueueName): Promise<void> {
    return this.once(session, `q:${name}`, async (ch) => {
      const queue = this.queue(name);
      const dlx = this.deadLetterExchange();
      await ch.assertExchange(dlx, 'direct', { durable: true });
      await ch.assertQueue(this.deadQueue(name), { durable: true, arguments: { 'x-max-length': this.opts.deadLetterMaxLength } });
      await ch.bindQueue(this.deadQueue(name), dlx, queue);
      const args: Record<string, unknown> = { 'x-dead-letter-exchange': dlx, 'x-dead-letter-routing-key': queue };
      if (isBoundedQueue(name)) Object.assign(args, { 'x-max-length': this.opts.answerQueueMaxLength, 'x-overflow': 'reject-publish' });
      if (isSingleActiveQueue(name)) args['x-single-active-consumer'] = true;
      await ch.assertQueue(queue, { durable: true, arguments: args } satisfies Options.AssertQueue);
    });
  }

  ensureExchange(session: RabbitSession, name: ExchangeName): Promise<void> {
    return this.once(session, `x:${name}`, async (ch) => {
      await ch.assertExchange(this.exchange(name), 'fanout', { durable: true });
    });
  }

  private once(session: RabbitSession, key: string, declare: (ch: Channel) => Promise<void>): Promise<void> {
    let done = this.declared.get(session);
    if (!done) this.declared.set(session, (done = new Map<string, Promise<void>>()));
    let p = done.get(key);
    if (!p) {
      const memo = done;
      p = (async () => {
        const ch = await session.connection.createChannel();
        ch.on('error', () => undefined); // the failure reaches the caller through the rejected call
        try {
          await declare(ch);
        } finally {
          await ch.close().catch(() => undefined);
        }
      })();
      p.catch(() => memo.delete(key));
      done.set(key, p);
    }
    return p;
  }
}
