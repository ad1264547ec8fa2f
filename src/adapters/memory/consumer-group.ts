/**
 * An in-process consumer group: the partitions of the subscribed topics are spread over the
 * members (partition i goes to member i mod n, in join order), each partition is read in order by
 * one loop, and the group's position moves only after the handler resolved. A handler that throws
 * gets the same record again after a backoff; a member that leaves finishes its record first, then
 * its partitions move to the others at the committed position.
 */
import type { TopicName } from '../../contracts/names.ts';
import type { Logger } from '../../log.ts';
import type { LogRecord } from '../../ports/event-log.ts';
import { errorMessage } from '../../errors.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import type { MemoryTopic } from './partition-log.ts';

export interface GroupMember {
  readonly topics: ReadonlySet<TopicName>;
  readonly handler: (record: LogRecord) => Promise<void>;
  readonly fromBeginning: boolean;
  readonly abort: AbortController;
  readonly inFlight: Set<Promise<void>>;
}

export class MemoryConsumerGroup {
  private readonly members: GroupMember[] = [];
  private readonly committed = new Map<string, number>();
  private readonly runners = new Set<string>();

  constructor(
    readonly name: string,
    private readonly topicOf: (name: TopicName) => MemoryTopic,
    private readonly retry: BackoffOptions,
    private readonly log: Logger,
  ) {}

  join(member: GroupMember): void {
    this.members.push(member);
    for (const name of member.topics) {
      const topic = this.topicOf(name);
      topic.partitions.forEach((_, p) => this.ensureRunner(topic, p));
    }
  }

  async leave(member: GroupMember): Promise<void> {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    member.abort.abort();
    await Promise.allSettled([...member.inFlight]);
  }

  private owner(topic: TopicName, partition: number): GroupMember | undefined {
    const candidates = this.members.filter((m) => m.topics.has(topic));
    return candidates.length === 0 ? undefined : candidates[partition % candidates.length];
  }

  private ensureRunner(topic: MemoryTopic, partition: number): void {
    const key = `${topic.name}/${partition}`;
    if (this.runners.has(key)) return;
    this.runners.add(key);
    void this.run(topic, partition, key).finally(() => this.runners.delete(key));
  }

  /** Records of each partition of `topic` not yet handled by the group (all of them before it started). */
  lag(topic: MemoryTopic): Array<{ partition: number; lag: number }> {
    return topic.partitions.map((part, partition) => {
      const position = this.committed.get(`${topic.name}/${partition}`) ?? part.base;
      return { partition, lag: Math.max(0, part.end - Math.max(position, part.base)) };
    });
  }

  /** Reads one partition for the group for as long as some member subscribes to its topic. */
  private async run(topic: MemoryTopic, partition: number, key: string): Promise<void> {
    const part = topic.partitions[partition];
    if (!part) return;
    let failures = 0;
    for (;;) {
      const owner = this.owner(topic.name, partition);
      if (!owner) return;
      let position = this.committed.get(key) ?? (owner.fromBeginning ? part.base : part.end);
      if (position < part.base) {
        this.log.warn({ group: this.name, topic: topic.name, partition, lost: part.base - position }, 'records dropped by retention before they were consumed');
        position = part.base;
      }
      this.committed.set(key, position);
      const record = part.at(position);
      if (!record) {
        await part.waitForAppend(owner.abort.signal);
        continue;
      }
      const work = owner.handler(record);
      owner.inFlight.add(work);
      try {
        await work;
        this.committed.set(key, position + 1);
        failures = 0;
      } catch (err) {
        failures++;
        this.log.warn({ group: this.name, topic: topic.name, partition, offset: record.offset, failures, err: errorMessage(err) }, 'event handler failed; will retry');
        await sleep(backoffDelay(failures, this.retry), owner.abort.signal);
      } finally {
        owner.inFlight.delete(work);
      }
    }
  }
}
