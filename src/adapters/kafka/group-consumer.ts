/**
 * One member of a Kafka consumer group. Records are handled one at a time per partition and the
 * offset is committed only after the handler resolved (autoCommit off). A handler that throws is
 * retried with backoff for as long as it takes: core handlers dead-letter bad events themselves,
 * so a throw here means infrastructure trouble, and skipping would lose the record. kafkajs
 * restarts the consumer after broker failures (restartOnFailure); if it gives up, a new consumer
 * takes over after a backoff.
 */
import type { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import type { TopicName } from '../../contracts/names.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { LogRecord } from '../../ports/event-log.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  /** Topic name as the core knows it (without the prefix). */
  unprefix: (topic: string) => TopicName;
  handler: (record: LogRecord) => Promise<void>;
  retry: BackoffOptions;
  sessionTimeoutMs: number;
  logger: Logger;
}

export class KafkaGroupConsumer {
  private consumer: Consumer | undefined;
  private readonly stopping = new AbortController();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: GroupConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs,
      // A fetch waits at most this long for data; heartbeats, rebalances and stop() wait on it.
      maxWaitTimeInMs: 1000,
      heartbeatInterval: Math.max(500, Math.floor(this.opts.sessionTimeoutMs / 10)),
      retry: {
        restartOnFailure: (err: Error) => {
          this.opts.logger.warn({ group: this.opts.groupId, err: err.message }, 'Kafka consumer failed; kafkajs restarts it');
          return Promise.resolve(true);
        },
      },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart && !this.stopping.signal.aborted) void this.replace(consumer, payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning });
    await consumer.run({ autoCommit: false, eachMessage: (payload) => this.onMessage(consumer, payload) });
  }

  /** Stops taking records, lets the record in hand finish, leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      await this.consumer?.disconnect();
    })();
    return this.stopped;
  }

  private async replace(crashed: Consumer, err: Error): Promise<void> {
    this.opts.logger.error({ group: this.opts.groupId, err: err.message }, 'Kafka consumer gave up; starting a new one');
    await crashed.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      await sleep(backoffDelay(attempt, this.opts.retry), this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        return await this.start();
      } catch (e) {
        this.opts.logger.warn({ group: this.opts.groupId, attempt, err: errorMessage(e) }, 'restarting the Kafka consumer failed');
      }
    }
  }

  private async onMessage(consumer: Consumer, payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    // Once stopping, leave the record uncommitted: the next member of the group gets it.
    if (this.stopping.signal.aborted) return;
    const record: LogRecord = {
      topic: this.opts.unprefix(topic),
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      value: message.value === null ? '' : message.value.toString('utf8'),
    };
    for (let failures = 1; ; failures++) {
      try {
        await this.opts.handler(record);
        break;
      } catch (err) {
        const wait = backoffDelay(failures, this.opts.retry);
        this.opts.logger.warn({ group: this.opts.groupId, topic, partition, offset: message.offset, failures, retryInMs: wait, err: errorMessage(err) }, 'event handler failed; will retry');
        await sleep(wait, this.stopping.signal);
        if (this.stopping.signal.aborted) return;
        // Stay in the group while retrying; throws on a rebalance so kafkajs rejoins.
        await payload.heartbeat();
      }
    }
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }
}
