/**
 * One member of a Kafka consumer group. Records are handled one at a time per partition and the
 * offset is committed only after the handler resolved (autoCommit off). A handler that throws is
 * retried with backoff for as long as it takes: core handlers dead-letter bad events themselves,
 * so a throw here means infrastructure trouble, and skipping would lose the record. kafkajs
 * restarts the consumer after broker failures (restartOnFailure); if it gives up, a new consumer
 * takes over after a backoff.
 *
 * Batch mode (`batchHandler`): one partition's fetched records go to the handler at once and the
 * batch is committed after it resolved, so a store can apply a batch in one transaction.
 *
 * Resume (`appliedOffset`): a consumer whose store records its own offsets (in the same
 * transaction as the data) is the authority on where it got to; Kafka's commit, made after the
 * store's, can lag behind it after a crash. On every assignment each partition is sought to the
 * store's offset + 1, and records at or before it are dropped should any arrive before the seek
 * took effect. A partition the store holds no offset for is read from its beginning, whatever the
 * group committed: the store applied nothing of it (a store restored from a backup taken before the
 * partition's first record, or a new store file), and applying is idempotent by event id.
 */
import type { Consumer, EachBatchPayload, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import type { TopicName } from '../../contracts/names.ts';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { LogRecord } from '../../ports/event-log.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';

/** kafkajs's seek offset for "the oldest record the partition retains". */
const EARLIEST_OFFSET = '-2';

/** Tries of a consumer start on retriable errors. */
const START_ATTEMPTS = 6;

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  /** Topic name as the core knows it (without the prefix). */
  unprefix: (topic: string) => TopicName;
  handler?: (record: LogRecord) => Promise<void>;
  /** Batch mode; used instead of `handler` when given. */
  batchHandler?: (records: LogRecord[]) => Promise<void>;
  /** The caller's last applied offset per partition (see the header). */
  appliedOffset?: (topic: TopicName, partition: number) => string | undefined;
  retry: BackoffOptions;
  sessionTimeoutMs: number;
  logger: Logger;
}

/** A record's headers as strings (kafkajs hands them over as Buffers); repeated ones keep the first. */
function stringHeaders(headers: KafkaMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

export class KafkaGroupConsumer {
  private consumer: Consumer | undefined;
  private readonly stopping = new AbortController();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly opts: GroupConsumerOptions,
  ) {}

  /**
   * Starts consuming. Retriable Kafka errors are tried again a few times (about 10 s in all): just
   * after a topic is created, a broker's metadata can still answer "This server does not host this
   * topic-partition" for a moment, and a role must not fail its start on that.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce();
      } catch (err) {
        const retriable = (err as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= START_ATTEMPTS || this.stopping.signal.aborted) throw err;
        const wait = backoffDelay(attempt, { initialMs: 300, maxMs: 3000 });
        this.opts.logger.warn({ group: this.opts.groupId, attempt, retryInMs: wait, err: errorMessage(err) }, 'Kafka consumer start failed on a retriable error; retrying');
        await this.consumer?.disconnect().catch(() => undefined);
        await sleep(wait, this.stopping.signal);
      }
    }
  }

  private async startOnce(): Promise<void> {
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
    // Emitted after join + sync and before the first fetch, so the seek applies to that fetch.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.resume(consumer, payload.memberAssignment));
    await consumer.connect();
    await consumer.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning });
    if (this.opts.batchHandler) {
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(consumer, payload) });
    } else {
      await consumer.run({ autoCommit: false, eachMessage: (payload) => this.onMessage(consumer, payload) });
    }
  }

  private resume(consumer: Consumer, assignment: Record<string, number[]>): void {
    const applied = this.opts.appliedOffset;
    if (!applied) return;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const last = applied(this.opts.unprefix(topic), partition);
        if (last === undefined) {
          this.opts.logger.info({ group: this.opts.groupId, topic, partition }, 'the store has no offset for this partition: reading it from the beginning');
          consumer.seek({ topic, partition, offset: EARLIEST_OFFSET });
          continue;
        }
        const offset = (BigInt(last) + 1n).toString();
        this.opts.logger.info({ group: this.opts.groupId, topic, partition, offset }, 'resuming from the offset the store recorded');
        consumer.seek({ topic, partition, offset });
      }
    }
  }

  /** Offsets at or below this were applied already (-1n: none). */
  private floor(topic: string, partition: number): bigint {
    const last = this.opts.appliedOffset?.(this.opts.unprefix(topic), partition);
    return last === undefined ? -1n : BigInt(last);
  }

  private toRecord(topic: string, partition: number, message: KafkaMessage): LogRecord {
    return {
      topic: this.opts.unprefix(topic),
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      value: message.value === null ? '' : message.value.toString('utf8'),
      headers: stringHeaders(message.headers),
    };
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const handler = this.opts.batchHandler;
    const lastMessage = batch.messages.at(-1);
    if (!handler || !lastMessage || this.stopping.signal.aborted) return;
    const floor = this.floor(batch.topic, batch.partition);
    const records = batch.messages.filter((m) => BigInt(m.offset) > floor).map((m) => this.toRecord(batch.topic, batch.partition, m));
    for (let failures = 1; records.length > 0; failures++) {
      try {
        await handler(records);
        break;
      } catch (err) {
        const wait = backoffDelay(failures, this.opts.retry);
        this.opts.logger.warn({ group: this.opts.groupId, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset(), records: records.length, failures, retryInMs: wait, err: errorMessage(err) }, 'batch handler failed; will retry');
        await sleep(wait, this.stopping.signal);
        if (this.stopping.signal.aborted || !payload.isRunning() || payload.isStale()) return;
        await payload.heartbeat();
      }
    }
    payload.resolveOffset(lastMessage.offset);
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastMessage.offset) + 1n).toString() }]);
    await payload.heartbeat();
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
        return await this.startOnce();
      } catch (e) {
        this.opts.logger.warn({ group: this.opts.groupId, attempt, err: errorMessage(e) }, 'restarting the Kafka consumer failed');
      }
    }
  }

  private async onMessage(consumer: Consumer, payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    // Once stopping, leave the record uncommitted: the next member of the group gets it.
    if (this.stopping.signal.aborted || !this.opts.handler) return;
    const record = this.toRecord(topic, partition, message);
    for (let failures = 1; BigInt(message.offset) > this.floor(topic, partition); failures++) {
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
