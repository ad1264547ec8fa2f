/**
 * The in-process MessageBus: the embedded default for `npm start`, not a test double. All roles of
 * the all-in-one process share one instance. Bodies travel as JSON text, as over a broker, so a
 * body that would not survive RabbitMQ fails here too.
 */
import { randomUUID } from 'node:crypto';
import type { ExchangeName, QueueName } from '../../contracts/names.ts';
import { UnavailableError } from '../../errors.ts';
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
import { isBoundedQueue, isSingleActiveQueue } from '../queue-topology.ts';
import { MemoryWorkQueue } from './work-queue.ts';
import { MemoryFanout } from './fanout.ts';

export interface MemoryMessageBusOptions {
  /** Bound of `answer.requests` (ANSWER_QUEUE_MAX_LENGTH). Default 1000. */
  answerQueueMaxLength?: number;
  /** Dead letters kept per queue. Default 1000. */
  maxDeadLetters?: number;
  logger?: Logger;
}

const REPLY_PREFIX = 'memory-reply:';

export function createMemoryMessageBus(opts: MemoryMessageBusOptions = {}): MessageBus {
  const log = opts.logger ?? componentLogger('memory-bus');
  const queues = new Map<string, MemoryWorkQueue>();
  const fanouts = new Map<string, MemoryFanout>();
  const replyHandlers = new Map<string, ReplyHandler>();
  const subscriptions = new Set<Subscription>();
  let closed: Promise<void> | undefined;

  const queue = (name: QueueName): MemoryWorkQueue => {
    let q = queues.get(name);
    if (!q) {
      q = new MemoryWorkQueue({
        name,
        singleActive: isSingleActiveQueue(name),
        maxLength: isBoundedQueue(name) ? (opts.answerQueueMaxLength ?? 1000) : undefined,
        maxDeadLetters: opts.maxDeadLetters ?? 1000,
        logger: log,
      });
      queues.set(name, q);
    }
    return q;
  };

  const fanout = (name: ExchangeName): MemoryFanout => {
    let f = fanouts.get(name);
    if (!f) {
      f = new MemoryFanout(name, log);
      fanouts.set(name, f);
    }
    return f;
  };

  const assertOpen = (): void => {
    if (closed) throw new UnavailableError('message bus is closed', { code: 'closed' });
  };

  /** Tracks a subscription so close() can cancel it; cancel stays idempotent. */
  const track = (inner: { cancel(): Promise<void> }): Subscription => {
    let done: Promise<void> | undefined;
    const sub: Subscription = {
      cancel: () => {
        subscriptions.delete(sub);
        return (done ??= inner.cancel());
      },
    };
    subscriptions.add(sub);
    return sub;
  };

  return {
    kind: 'memory',

    health: () => (closed ? 'closed' : 'ok'),

    send(name: QueueName, body: unknown, sendOpts: SendOptions = {}): Promise<void> {
      return Promise.resolve().then(() => {
        assertOpen();
        queue(name).enqueue({
          json: toJson(body),
          messageId: sendOpts.messageId ?? randomUUID(),
          correlationId: sendOpts.correlationId,
          replyTo: sendOpts.replyTo,
          attempt: 1,
          headers: { ...sendOpts.headers },
        });
      });
    },

    consume(name: QueueName, handler: DeliveryHandler, consumeOpts: ConsumeOptions): Promise<Subscription> {
      return Promise.resolve().then(() => {
        assertOpen();
        const q = queue(name);
        if (consumeOpts.singleActive && !isSingleActiveQueue(name)) {
          throw new RangeError(`queue ${name} is not a single-active-consumer queue`);
        }
        return track(q.addConsumer(handler, consumeOpts));
      });
    },

    openReplyQueue(handler: ReplyHandler): Promise<string> {
      return Promise.resolve().then(() => {
        assertOpen();
        const address = `${REPLY_PREFIX}${randomUUID()}`;
        replyHandlers.set(address, handler);
        return address;
      });
    },

    reply(replyTo: string, correlationId: string, body: unknown): Promise<void> {
      return Promise.resolve().then(() => {
        assertOpen();
        const json = toJson(body);
        const handler = replyHandlers.get(replyTo);
        // Like RabbitMQ's default exchange: a reply to a queue that is gone is dropped.
        if (!handler) return log.debug({ replyTo, correlationId }, 'reply to an unknown queue dropped');
        setImmediate(() => {
          try {
            handler(JSON.parse(json) as unknown, correlationId);
          } catch (err) {
            log.error({ err, correlationId }, 'reply handler threw');
          }
        });
      });
    },

    broadcast(name: ExchangeName, body: unknown): Promise<void> {
      return Promise.resolve().then(() => {
        assertOpen();
        fanout(name).publish(toJson(body));
      });
    },

    subscribe(name: ExchangeName, handler: BroadcastHandler): Promise<Subscription> {
      return Promise.resolve().then(() => {
        assertOpen();
        return track(fanout(name).subscribe(handler));
      });
    },

    queueStats(name: QueueName): Promise<QueueStats> {
      return Promise.resolve(queue(name).stats());
    },

    deadLetters(name: QueueName, max: number): Promise<Array<{ body: unknown; reason: string }>> {
      return Promise.resolve(queues.get(name)?.deadLetters(max) ?? []);
    },

    close(): Promise<void> {
      closed ??= (async () => {
        await Promise.allSettled([...subscriptions].map((s) => s.cancel()));
        replyHandlers.clear();
      })();
      return closed;
    },
  };
}

function toJson(body: unknown): string {
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError('message body is not JSON-serialisable');
  return json;
}
