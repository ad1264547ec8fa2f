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
}

export interface ConsumeLogOptions {
  group: string;
  topics: TopicName[];
  /** Where a group with no committed position starts. Default true. */
  fromBeginning?: boolean;
}

export interface EventLog {
  readonly kind: 'kafka' | 'memory';
  produce(topic: TopicName, key: string, value: unknown): Promise<void>;
  consume(opts: ConsumeLogOptions, handler: (record: LogRecord) => Promise<void>): Promise<Subscription>;
  close(): Promise<void>;
}
