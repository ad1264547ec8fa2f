/**
 * Creates a topic the first time it is used, if it is missing (partitions 3, replication factor 1 by
 * default). Memoised per topic; a failed attempt is forgotten so the next use tries again.
 * Retriable Kafka errors are retried a few times first: on a broker that has just started, or just
 * after another topic was created, a metadata request can answer "This server does not host this
 * topic-partition" for a moment, and a consumer start must not fail on that.
 */
import type { Admin } from 'kafkajs';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { backoffDelay, sleep } from '../backoff.ts';

const CREATE_ATTEMPTS = 6;

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

export class TopicCreator {
  private readonly ensured = new Map<string, Promise<void>>();
  private connected: Promise<void> | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly settings: TopicSettings,
    private readonly log: Logger,
  ) {}

  ensure(topics: string[]): Promise<void> {
    return Promise.all(topics.map((t) => this.ensureOne(t))).then(() => undefined);
  }

  private ensureOne(topic: string): Promise<void> {
    let p = this.ensured.get(topic);
    if (!p) {
      p = this.create(topic);
      p.catch((err: unknown) => {
        this.ensured.delete(topic);
        this.log.warn({ topic, err: errorMessage(err) }, 'could not make sure the topic exists');
      });
      this.ensured.set(topic, p);
    }
    return p;
  }

  private async create(topic: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createOnce(topic);
      } catch (err) {
        if ((err as { retriable?: unknown }).retriable !== true || attempt >= CREATE_ATTEMPTS) throw err;
        const wait = backoffDelay(attempt, { initialMs: 200, maxMs: 3000 });
        this.log.debug({ topic, attempt, retryInMs: wait, err: errorMessage(err) }, 'topic metadata not settled yet; retrying');
        await sleep(wait);
      }
    }
  }

  private async createOnce(topic: string): Promise<void> {
    this.connected ??= this.admin.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    const existing = await this.admin.listTopics();
    if (existing.includes(topic)) return;
    try {
      const created = await this.admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: this.settings.partitions, replicationFactor: this.settings.replicationFactor }],
      });
      if (created) this.log.info({ topic, ...this.settings }, 'topic created');
    } catch (err) {
      // Another process created it between our list and create.
      if (!/already exists/i.test(errorMessage(err))) throw err;
    }
  }

  /** High watermark per partition of an existing topic (the offset the next record gets). */
  async highWatermarks(topic: string): Promise<Array<{ partition: number; high: string }>> {
    await this.ensureOne(topic);
    return (await this.admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high }));
  }

  /** Per partition: high watermark less the group's committed offset (the low watermark when it has none). */
  async groupLag(groupId: string, topic: string): Promise<Array<{ partition: number; lag: number }>> {
    await this.ensureOne(topic);
    const [ends, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map((p) => {
      const c = at.get(p.partition) ?? -1;
      const from = c >= 0 ? c : Number(p.low);
      return { partition: p.partition, lag: Math.max(0, Number(p.high) - from) };
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect();
  }
}
