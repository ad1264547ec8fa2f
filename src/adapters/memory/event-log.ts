/**
 * The in-process EventLog: the embedded default for `npm start`, not a test double; all roles of
 * the all-in-one process share one instance. Values are stored as JSON text, as Kafka would carry
 * them. Nothing survives a restart: the analytics store is the durable record (DESIGN.md section 8).
 */
import type { TopicName } from '../../contracts/names.ts';
import { UnavailableError } from '../../errors.ts';
import { logger as componentLogger, type Logger } from '../../log.ts';
import type { ConsumeLogOptions, EventLog, LogRecord, PartitionLag } from '../../ports/event-log.ts';
import type { Subscription } from '../../ports/message-bus.ts';
import type { BackoffOptions } from '../backoff.ts';
import { MemoryConsumerGroup, type GroupMember } from './consumer-group.ts';
import { MemoryTopic } from './partition-log.ts';

export interface MemoryEventLogOptions {
  /** Partitions per topic. Default 3, as the Kafka adapter creates them. */
  partitions?: number;
  /** Records kept per partition before the oldest are dropped. Default 10 000. */
  retainPerPartition?: number;
  /** Backoff between retries of a record whose handler threw. Default 200 ms doubling to 10 s. */
  retryBackoff?: BackoffOptions;
  logger?: Logger;
}

export function createMemoryEventLog(opts: MemoryEventLogOptions = {}): EventLog {
  const log = opts.logger ?? componentLogger('memory-event-log');
  const partitions = opts.partitions ?? 3;
  const retain = opts.retainPerPartition ?? 10_000;
  const retry = opts.retryBackoff ?? { initialMs: 200, maxMs: 10_000 };
  const topics = new Map<TopicName, MemoryTopic>();
  const groups = new Map<string, MemoryConsumerGroup>();
  const subscriptions = new Set<Subscription>();
  let closed: Promise<void> | undefined;

  const topicOf = (name: TopicName): MemoryTopic => {
    let t = topics.get(name);
    if (!t) {
      t = new MemoryTopic(name, partitions);
      topics.set(name, t);
    }
    return t;
  };

  const assertOpen = (): void => {
    if (closed) throw new UnavailableError('event log is closed', { code: 'closed' });
  };

  return {
    kind: 'memory',

    health: () => (closed ? 'closed' : 'ok'),

    produce(name: TopicName, key: string, value: unknown, headers?: Readonly<Record<string, string>>): Promise<void> {
      return Promise.resolve().then(() => {
        assertOpen();
        const json = JSON.stringify(value);
        if (json === undefined) throw new TypeError('event value is not JSON-serialisable');
        const topic = topicOf(name);
        const partition = topic.partitionFor(key);
        topic.partitions[partition]?.append(name, partition, key, json, retain, { ...headers });
      });
    },

    consume(consumeOpts: ConsumeLogOptions, handler: (record: LogRecord) => Promise<void>): Promise<Subscription> {
      return Promise.resolve().then(() => {
        assertOpen();
        if (consumeOpts.topics.length === 0) throw new RangeError('consume needs at least one topic');
        let group = groups.get(consumeOpts.group);
        if (!group) {
          group = new MemoryConsumerGroup(consumeOpts.group, topicOf, retry, log);
          groups.set(consumeOpts.group, group);
        }
        const member: GroupMember = {
          topics: new Set(consumeOpts.topics),
          handler,
          fromBeginning: consumeOpts.fromBeginning ?? true,
          abort: new AbortController(),
          inFlight: new Set(),
        };
        group.join(member);
        const joined = group;
        let left: Promise<void> | undefined;
        const sub: Subscription = {
          cancel: () => {
            subscriptions.delete(sub);
            return (left ??= joined.leave(member));
          },
        };
        subscriptions.add(sub);
        return sub;
      });
    },

    consumerLag(group: string, names: TopicName[]): Promise<PartitionLag[]> {
      const g = groups.get(group);
      return Promise.resolve(
        names.flatMap((topic) => {
          const t = topicOf(topic);
          // A group that has not started yet is behind by everything the topic holds.
          return g ? g.lag(t).map((l) => ({ topic, ...l })) : t.partitions.map((p, partition) => ({ topic, partition, lag: p.end - p.base }));
        }),
      );
    },

    close(): Promise<void> {
      closed ??= Promise.allSettled([...subscriptions].map((s) => s.cancel())).then(() => undefined);
      return closed;
    },
  };
}
