/**
 * The event-log port (Kafka for deployments, in-process for `npm start`); both pass
 * tests/support/event-log.contract.ts.
 *
 * - `produce` resolves once the log has the record (Kafka: acks from all in-sync replicas,
 *   idempotent producer). Records with the same key keep their order.
 * - `consume` joins a consumer group; records are handed over one partition in order, and the
 *   position is committed only after the handler resolved. A handler that throws is retried; the
 *   core handlers are idempotent by event id, so a record seen twice counts once.
 */
import type { TopicName } from '../contracts/names.ts';
import type { Subscription } from './message-bus.ts';

export interface LogRecord {
  readonly topic: TopicName;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The raw value; the consumer decodes and validates it. */
  readonly value: string;
  /** String headers the producer set (W3C trace context); absent or empty when none. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ConsumeLogOptions {
  group: string;
  topics: TopicName[];
  /** Where a group with no committed position starts. Default true. */
  fromBeginning?: boolean;
  /**
   * The caller's own record of progress: the offset of the last record it applied on a partition
   * (undefined when it has none). A log that keeps its records across restarts (Kafka) resumes
   * right after it whenever a partition is assigned, ahead of or behind its own committed position,
   * and never hands over a record at or before it. The in-process log starts empty with every
   * process, so it has nothing to resume and ignores this.
   */
  appliedOffset?: (topic: TopicName, partition: number) => string | undefined;
}

/** How far a consumer group is behind on one partition: end offset less committed offset. */
export interface PartitionLag {
  readonly topic: TopicName;
  readonly partition: number;
  readonly lag: number;
}

/** The next offset to be written on one partition (Kafka's high watermark). */
export interface EndOffset {
  readonly topic: TopicName;
  readonly partition: number;
  readonly offset: string;
}

export interface EventLog {
  readonly kind: 'kafka' | 'memory';
  /** `headers`: string headers that travel with the record (W3C trace context). */
  produce(topic: TopicName, key: string, value: unknown, headers?: Readonly<Record<string, string>>): Promise<void>;
  consume(opts: ConsumeLogOptions, handler: (record: LogRecord) => Promise<void>): Promise<Subscription>;
  /**
   * Optional throughput path: like `consume`, but hands over a batch of one partition's records in
   * order and commits the batch after the handler resolved. A handler that throws gets the same
   * batch again.
   */
  consumeBatches?(opts: ConsumeLogOptions, handler: (records: LogRecord[]) => Promise<void>): Promise<Subscription>;
  /** Optional: where each partition of `topics` ends now, so a replay knows when it has caught up. */
  endOffsets?(topics: TopicName[]): Promise<EndOffset[]>;
  /** Optional: the lag of a consumer group on each partition of `topics` (metrics read this on scrape). */
  consumerLag?(group: string, topics: TopicName[]): Promise<PartitionLag[]>;
  /** 'ok', or what is wrong right now in words an operator can act on (readiness shows it). */
  health(): string;
  close(): Promise<void>;
}
