/**
 * The Kafka EventLog (kafkajs). Topic and group names carry the configured prefix verbatim; topics
 * are created on first use. Values are JSON text; the key orders records (chat id, answer id).
 * Producing is buffered and retried (./buffered-producer.ts); consuming commits after the handler
 * (./group-consumer.ts). kafkajs logs go through our logger.
 */
import { Kafka, Partitioners } from 'kafkajs';
import type { TopicName } from '../../contracts/names.ts';
import { errorMessage, UnavailableError } from '../../errors.ts';
import { logger as componentLogger, type Logger } from '../../log.ts';
import type { ConsumeLogOptions, EndOffset, EventLog, LogRecord, PartitionLag } from '../../ports/event-log.ts';
import type { Subscription } from '../../ports/message-bus.ts';
import type { BackoffOptions } from '../backoff.ts';
import { BufferedProducer } from './buffered-producer.ts';
import { KafkaGroupConsumer, type GroupConsumerOptions } from './group-consumer.ts';
import { kafkaLogLevel, pinoLogCreator } from './log-creator.ts';
import { TopicCreator } from './topics.ts';

export interface KafkaEventLogOptions {
  /** host:port list (KAFKA_BROKERS). */
  brokers: string[];
  /** KAFKA_CLIENT_ID. Default 'docent'. */
  clientId?: string;
  /** Prepended verbatim to topics and consumer groups (KAFKA_PREFIX). Default ''. */
  prefix?: string;
  /** Partitions of topics this adapter creates. Default 3. */
  partitions?: number;
  /** Replication factor of topics this adapter creates. Default 1. */
  replicationFactor?: number;
  /** Records buffered while Kafka is unreachable before produce rejects. Default 10 000. */
  maxBufferedRecords?: number;
  /** Backoff of produce retries and of handler retries. Default 200 ms doubling to 10 s. */
  retryBackoff?: BackoffOptions;
  /** Consumer group session timeout. Default 30 000 ms (the broker's minimum is 6000). */
  sessionTimeoutMs?: number;
  /** kafkajs's own retries per request (before our buffer retries). Default 8 tries, 300 ms to 10 s. */
  clientRetry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
  /** How long close() keeps flushing buffered records. Default 5000 ms. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

export function createKafkaEventLog(opts: KafkaEventLogOptions): Promise<EventLog> {
  const log = opts.logger ?? componentLogger('kafka');
  const prefix = opts.prefix ?? '';
  const retry = opts.retryBackoff ?? { initialMs: 200, maxMs: 10_000 };
  const kafka = new Kafka({
    clientId: opts.clientId ?? 'docent',
    brokers: opts.brokers,
    connectionTimeout: 3000,
    logLevel: kafkaLogLevel(log),
    logCreator: pinoLogCreator(log),
    retry: opts.clientRetry ?? { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  });
  const topics = new TopicCreator(kafka.admin(), { partitions: opts.partitions ?? 3, replicationFactor: opts.replicationFactor ?? 1 }, log);
  const producer = new BufferedProducer(
    // Explicit partitioner: the same key -> partition mapping as the Java client, and no v2 warning.
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }),
    topics,
    { maxBuffered: opts.maxBufferedRecords ?? 10_000, batchSize: 500, retry, logger: log },
  );
  const consumers = new Set<KafkaGroupConsumer>();
  const unprefix = (topic: string): TopicName => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic) as TopicName;
  let closed: Promise<void> | undefined;

  const subscribe = async (
    consumeOpts: ConsumeLogOptions,
    handlers: Pick<GroupConsumerOptions, 'handler' | 'batchHandler'>,
  ): Promise<Subscription> => {
    if (closed) throw new UnavailableError('event log is closed', { code: 'closed' });
    if (consumeOpts.topics.length === 0) throw new RangeError('consume needs at least one topic');
    const names = consumeOpts.topics.map((t) => `${prefix}${t}`);
    const consumer = new KafkaGroupConsumer(kafka, {
      groupId: `${prefix}${consumeOpts.group}`,
      topics: names,
      fromBeginning: consumeOpts.fromBeginning ?? true,
      unprefix,
      ...handlers,
      appliedOffset: consumeOpts.appliedOffset,
      retry,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 30_000,
      logger: log,
    });
    try {
      // Subscribing to a missing topic would leave the group without partitions until a metadata refresh.
      await topics.ensure(names);
      await consumer.start();
    } catch (err) {
      await consumer.stop().catch(() => undefined);
      throw new UnavailableError(`cannot start the Kafka consumer for ${consumeOpts.group}: ${errorMessage(err)}`, { cause: err });
    }
    consumers.add(consumer);
    return {
      cancel: async () => {
        consumers.delete(consumer);
        await consumer.stop();
      },
    };
  };

  const eventLog: EventLog = {
    kind: 'kafka',

    health: () => producer.health(),

    produce(topic: TopicName, key: string, value: unknown, headers?: Readonly<Record<string, string>>): Promise<void> {
      const json = JSON.stringify(value);
      if (json === undefined) return Promise.reject(new TypeError('event value is not JSON-serialisable'));
      return producer.produce(`${prefix}${topic}`, key, json, headers);
    },

    async consumerLag(group: string, names: TopicName[]): Promise<PartitionLag[]> {
      const out: PartitionLag[] = [];
      for (const topic of names) {
        for (const p of await topics.groupLag(`${prefix}${group}`, `${prefix}${topic}`)) out.push({ topic, ...p });
      }
      return out;
    },

    consume(consumeOpts: ConsumeLogOptions, handler: (record: LogRecord) => Promise<void>): Promise<Subscription> {
      return subscribe(consumeOpts, { handler });
    },

    consumeBatches(consumeOpts: ConsumeLogOptions, batchHandler: (records: LogRecord[]) => Promise<void>): Promise<Subscription> {
      return subscribe(consumeOpts, { batchHandler });
    },

    async endOffsets(names: TopicName[]): Promise<EndOffset[]> {
      const out: EndOffset[] = [];
      for (const topic of names) {
        for (const p of await topics.highWatermarks(`${prefix}${topic}`)) out.push({ topic, partition: p.partition, offset: p.high });
      }
      return out;
    },

    close(): Promise<void> {
      closed ??= (async () => {
        // Consumers first (they may still produce from handlers), then the producer, then admin.
        const steps: Array<[string, () => Promise<void>]> = [
          ['consumers', () => Promise.all([...consumers].map((c) => c.stop())).then(() => undefined)],
          ['producer', () => producer.close(opts.closeTimeoutMs ?? 5000)],
          ['admin', () => topics.close()],
        ];
        for (const [what, step] of steps) {
          await step().catch((err: unknown) => log.warn({ err: errorMessage(err) }, `closing the Kafka ${what} failed`));
        }
      })();
      return closed;
    },
  };
  return Promise.resolve(eventLog);
}
