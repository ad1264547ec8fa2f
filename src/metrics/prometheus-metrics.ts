/**
 * The Prometheus adapter of the metrics port (prom-client): one registry per process (in the
 * all-in-one process every role reports into it and the web serves it). Names carry the `docent_`
 * prefix and their unit; counters end in `_total`. The process's memory, CPU, GC and event-loop lag
 * are prom-client's default metrics under their usual names (`process_*`, `nodejs_*`), so stock
 * Node.js dashboards work on them. Which metric means what: docs/operations.md, "Metrics".
 *
 * Gauges that describe the brokers and the index are read when Prometheus scrapes, through the
 * `watch*` calls the roles make; a broker read is cached for `scrapeCacheMs` and a failed one leaves
 * its gauge empty for that scrape (the broker being away shows in readiness, not as a failed scrape).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Timings } from '../contracts/answer.ts';
import type { QueueName } from '../contracts/names.ts';
import type { PartitionLag } from '../ports/event-log.ts';
import type { QueueStats } from '../ports/message-bus.ts';
import type { AnswerOutcome, IngestOutcome, Metrics } from '../ports/metrics.ts';
import { cachedRead } from './scrape-cache.ts';

/** Seconds: from a few milliseconds (retrieval) to minutes (a long generation on a busy CPU). */
const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];
const TOKEN_RATE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const INGEST_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export interface IndexStat {
  readonly collection: string;
  readonly vectors: number;
  /** When the live version was saved (ms since the epoch); null before the first save. */
  readonly versionSavedAt: number | null;
  /** Since when (ms since the epoch) an older version is served, the live one being another model's (retrieval/stale-index.ts); null or absent when the live one is. */
  readonly staleSince?: number | null;
}

export interface PrometheusMetricsOptions {
  /** How long a broker read made for a scrape is reused. Default 2000 ms. */
  scrapeCacheMs?: number;
  /** prom-client's process and Node.js metrics. Default true. */
  defaultMetrics?: boolean;
}

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly cacheMs: number;
  private readonly answers: Counter<'outcome'>;
  private readonly stages: Histogram<'stage'>;
  private readonly tokenRate: Histogram;
  private readonly tokens: Counter;
  private readonly ingests: Counter<'outcome'>;
  private readonly ingestSeconds: Histogram;
  private readonly analyticsDead: Counter<'topic'>;
  private readonly queues = new Map<QueueName, () => Promise<QueueStats>>();
  private lag: { group: string; read: () => Promise<PartitionLag[]> } | undefined;
  private index: (() => IndexStat[]) | undefined;

  constructor(opts: PrometheusMetricsOptions = {}) {
    this.cacheMs = opts.scrapeCacheMs ?? 2000;
    const registers = [this.registry];
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.answers = new Counter({ name: 'docent_answers_total', help: 'Answer requests handled, by how they ended.', labelNames: ['outcome'], registers });
    this.stages = new Histogram({ name: 'docent_answer_stage_duration_seconds', help: 'Time of each stage of an answered question: queue_wait, retrieval, first_token (from the request), generation, total.', labelNames: ['stage'], buckets: STAGE_BUCKETS, registers });
    this.tokenRate = new Histogram({ name: 'docent_answer_tokens_per_second', help: 'Generated tokens per second of generation, per answered question.', buckets: TOKEN_RATE_BUCKETS, registers });
    this.tokens = new Counter({ name: 'docent_answer_generated_tokens_total', help: 'Tokens generated for answered questions.', registers });
    this.ingests = new Counter({ name: 'docent_ingests_total', help: 'Uploaded documents handled by the ingest worker, by how they ended.', labelNames: ['outcome'], registers });
    this.ingestSeconds = new Histogram({ name: 'docent_ingest_duration_seconds', help: 'From an ingest job being picked up to its document being ready (index version saved).', buckets: INGEST_BUCKETS, registers });
    this.analyticsDead = new Counter({ name: 'docent_analytics_dead_lettered_total', help: 'Kafka records the analytics consumer could not use, sent to the dead-letter topic.', labelNames: ['topic'], registers });
    for (const outcome of ['answered', 'failed'] satisfies AnswerOutcome[]) this.answers.inc({ outcome }, 0);
    for (const outcome of ['ready', 'failed'] satisfies IngestOutcome[]) this.ingests.inc({ outcome }, 0);
    this.queueGauges(registers);
    const lagNow = (): typeof this.lag => this.lag;
    const indexNow = (): IndexStat[] => this.index?.() ?? [];
    new Gauge({
      name: 'docent_kafka_consumer_lag_messages',
      help: 'Records of a partition not yet processed by the consumer group (end offset less committed offset).',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect: async function (this: Gauge<'group' | 'topic' | 'partition'>) {
        this.reset();
        const lag = lagNow();
        if (!lag) return;
        for (const p of await lag.read().catch(() => [])) this.set({ group: lag.group, topic: p.topic, partition: String(p.partition) }, p.lag);
      },
    });
    new Gauge({
      name: 'docent_index_vectors',
      help: 'Vectors (passages) in the loaded index of each collection.',
      labelNames: ['collection'],
      registers,
      collect: function (this: Gauge<'collection'>) {
        this.reset();
        for (const s of indexNow()) this.set({ collection: s.collection }, s.vectors);
      },
    });
    new Gauge({
      name: 'docent_index_version_timestamp_seconds',
      help: 'The loaded index version of each collection, as the time it was saved (a newer version is a larger number).',
      labelNames: ['collection'],
      registers,
      collect: function (this: Gauge<'collection'>) {
        this.reset();
        for (const s of indexNow()) if (s.versionSavedAt !== null) this.set({ collection: s.collection }, s.versionSavedAt / 1000);
      },
    });
    new Gauge({
      name: 'docent_index_stale_seconds',
      help: 'How long a collection has been served from an older index version because the live one was built by another embedding model (restart on that model); 0 when the live one is served.',
      labelNames: ['collection'],
      registers,
      collect: function (this: Gauge<'collection'>) {
        this.reset();
        const now = Date.now();
        for (const s of indexNow()) this.set({ collection: s.collection }, s.staleSince ? (now - s.staleSince) / 1000 : 0);
      },
    });
  }

  answerEnded(outcome: AnswerOutcome): void {
    this.answers.inc({ outcome });
  }

  answerTimed(t: Timings, completionTokens: number): void {
    this.stages.observe({ stage: 'queue_wait' }, t.queueWaitMs / 1000);
    this.stages.observe({ stage: 'retrieval' }, t.retrievalMs / 1000);
    this.stages.observe({ stage: 'first_token' }, t.firstTokenMs / 1000);
    this.stages.observe({ stage: 'generation' }, t.generationMs / 1000);
    this.stages.observe({ stage: 'total' }, t.totalMs / 1000);
    this.tokens.inc(completionTokens);
    if (completionTokens > 0 && t.generationMs > 0) this.tokenRate.observe(completionTokens / (t.generationMs / 1000));
  }

  ingestEnded(outcome: IngestOutcome, seconds?: number): void {
    this.ingests.inc({ outcome });
    if (outcome === 'ready' && seconds !== undefined) this.ingestSeconds.observe(seconds);
  }

  analyticsDeadLettered(topic: string): void {
    this.analyticsDead.inc({ topic });
  }

  /** Reports a work queue's depth, consumers and dead letters on every scrape (once per queue). */
  watchQueue(queue: QueueName, read: () => Promise<QueueStats>): void {
    if (!this.queues.has(queue)) this.queues.set(queue, cachedRead(read, this.cacheMs));
  }

  /** Reports the lag of a consumer group on every scrape. */
  watchConsumerLag(group: string, read: () => Promise<PartitionLag[]>): void {
    this.lag ??= { group, read: cachedRead(read, this.cacheMs) };
  }

  /** Reports the loaded indexes on every scrape (a read of memory, not cached). */
  watchIndex(read: () => IndexStat[]): void {
    this.index ??= read;
  }

  /** The text exposition format and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private queueGauges(registers: Registry[]): void {
    const queues = this.queues;
    const gauge = (name: string, help: string, pick: (s: QueueStats) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['queue'],
        registers,
        collect: async function (this: Gauge<'queue'>) {
          this.reset();
          await Promise.all(
            [...queues].map(async ([queue, read]) => {
              const stats = await read().catch(() => undefined);
              if (stats) this.set({ queue }, pick(stats));
            }),
          );
        },
      });
    };
    gauge('docent_queue_messages', 'Messages waiting in a work queue (answer.requests, ingest.jobs), not counting those being worked on.', (s) => s.messages);
    gauge('docent_queue_consumers', 'Consumers attached to a work queue (answer workers; ingest workers, of which one is active).', (s) => s.consumers);
    gauge('docent_queue_dead_letter_messages', 'Messages in the dead-letter queue of a work queue.', (s) => s.deadLetters);
  }
}
