/**
 * In-process topics: each topic has a fixed number of partitions, a record goes to the partition
 * its key hashes to (so records with one key keep their order), and each partition keeps the newest
 * `retain` records, like a broker's retention, so a long-running process stays bounded.
 */
import type { TopicName } from '../../contracts/names.ts';
import type { LogRecord } from '../../ports/event-log.ts';

export class MemoryPartition {
  /** Offset of records[0]; grows as old records are dropped. */
  base = 0;
  readonly records: LogRecord[] = [];
  private waiters: Array<() => void> = [];

  get end(): number {
    return this.base + this.records.length;
  }

  append(topic: TopicName, partition: number, key: string, value: string, retain: number, headers: Readonly<Record<string, string>> = {}): void {
    this.records.push({ topic, partition, offset: String(this.end), key, value, headers });
    if (this.records.length > retain) {
      this.records.shift();
      this.base++;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  at(offset: number): LogRecord | undefined {
    return this.records[offset - this.base];
  }

  /** Resolves on the next append or when the signal aborts. */
  waitForAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

export class MemoryTopic {
  readonly partitions: MemoryPartition[];

  constructor(
    readonly name: TopicName,
    partitionCount: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => new MemoryPartition());
  }

  partitionFor(key: string): number {
    return fnv1a(key) % this.partitions.length;
  }
}

/** FNV-1a: a stable, well-spread 32-bit hash; the partition of a key never changes. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
