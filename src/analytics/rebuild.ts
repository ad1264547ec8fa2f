/**
 * Rebuilds the analytics store from the topics: a consumer group of its own replays `qa` and
 * `votes` from the beginning into a fresh SQLite file, with the same decoding, scoring and
 * idempotency as the live consumer (but producing nothing), until it has applied every record
 * that was in the topics when the rebuild started. The finished file then replaces the target
 * by rename, so readers see the old store or the new one, never half of one.
 *
 * The live consumer must not hold the target open while it is replaced (its writes would go to
 * the replaced file); the rebuild refuses when the target's write-ahead log is still in use.
 * The rebuilt store carries the offsets it reached, so a consumer started on it resumes there.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { GROUPS, TOPICS } from '../contracts/names.ts';
import type { Logger } from '../log.ts';
import type { EventLog } from '../ports/event-log.ts';
import { startAnalyticsConsumer } from './consumer.ts';
import { openAnalyticsStore } from './store.ts';

export interface RebuildOptions {
  events: EventLog;
  /** The store file to produce (replaced atomically when it exists). */
  target: string;
  logger: Logger;
  /** How often progress is checked and logged. Default 250 ms. */
  pollMs?: number;
}

export interface RebuildResult {
  target: string;
  answers: number;
  votes: { up: number; down: number };
  /** Distinct events applied (qa + votes). */
  events: number;
  /** Records read from the topics, duplicates and dead letters included. */
  records: number;
  ms: number;
}

export async function rebuildAnalyticsStore(opts: RebuildOptions): Promise<RebuildResult> {
  const { events } = opts;
  if (!events.endOffsets || events.kind !== 'kafka') {
    throw new Error('a rebuild replays Kafka topics: set KAFKA_BROKERS (the in-process log keeps nothing to replay)');
  }
  const started = Date.now();
  const log = opts.logger.child({ component: 'analytics-rebuild' });
  const ends = (await events.endOffsets([TOPICS.qa, TOPICS.votes])).filter((e) => BigInt(e.offset) > 0n);
  const records = ends.reduce((n, e) => n + Number(e.offset), 0);
  fs.mkdirSync(path.dirname(opts.target), { recursive: true });
  const tmp = `${opts.target}.rebuild-${process.pid}.tmp`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  const store = openAnalyticsStore(tmp);
  let closed = false;
  try {
    log.info({ target: opts.target, partitions: ends.length, upTo: records }, 'replaying the topics into a fresh store');
    const consumer = await startAnalyticsConsumer({
      events,
      store,
      logger: opts.logger,
      group: `${GROUPS.analytics}-rebuild-${randomUUID()}`,
      publish: false,
    });
    try {
      const behind = () => ends.filter((e) => BigInt(store.offset(e.topic, e.partition) ?? '-1') < BigInt(e.offset) - 1n);
      while (behind().length > 0) await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    } finally {
      await consumer.stop();
    }
    const s = store.summary('all');
    const counted = store.processedEvents();
    // Closing the only connection checkpoints the WAL into the file, so the rename moves all of it.
    store.close();
    closed = true;
    replaceAtomically(tmp, opts.target);
    return { target: opts.target, answers: s.answers, votes: s.votes, events: counted, records, ms: Date.now() - started };
  } finally {
    if (!closed) store.close();
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  }
}

function replaceAtomically(from: string, to: string): void {
  if (fs.existsSync(to)) {
    // Opening and closing the target checkpoints its WAL when nobody else has it open; a WAL left
    // behind means another process (the live consumer) is using it.
    new Database(to).close();
    if (fs.existsSync(`${to}-wal`)) throw new Error(`${to} is in use (stop the analytics consumer first, or rebuild with --out)`);
  }
  const fd = fs.openSync(from, 'r');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(from, to);
  const dir = fs.openSync(path.dirname(to), 'r');
  fs.fsyncSync(dir);
  fs.closeSync(dir);
}
