/**
 * The idempotent producer behind `produce`: records wait in a bounded FIFO buffer and are sent in
 * order, in batches, with retries and backoff while the broker is down, so callers can fire and
 * forget with a `.catch`. The promise of a record resolves when Kafka acknowledged it (acks = -1);
 * a full buffer rejects at once with UnavailableError('event_log_full').
 */
import type { Message, Producer } from 'kafkajs';
import { errorMessage, UnavailableError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { backoffDelay, sleep, type BackoffOptions } from '../backoff.ts';
import type { TopicCreator } from './topics.ts';

interface Pending {
  topic: string;
  message: Message;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface BufferedProducerOptions {
  maxBuffered: number;
  batchSize: number;
  retry: BackoffOptions;
  logger: Logger;
}

export class BufferedProducer {
  private readonly buffer: Pending[] = [];
  private running: Promise<void> | undefined;
  private connected = false;
  private closing = false;
  /** Why the last send failed, until one succeeds (readiness reports it). */
  private lastError: string | undefined;
  private readonly stop = new AbortController();

  constructor(
    private readonly producer: Producer,
    private readonly topics: TopicCreator,
    private readonly opts: BufferedProducerOptions,
  ) {
    producer.on(producer.events.DISCONNECT, () => (this.connected = false));
  }

  produce(topic: string, key: string, value: string, headers?: Readonly<Record<string, string>>): Promise<void> {
    if (this.closing) return Promise.reject(new UnavailableError('event log is closed', { code: 'closed' }));
    if (this.buffer.length >= this.opts.maxBuffered) {
      return Promise.reject(new UnavailableError(`Kafka is unreachable and ${this.buffer.length} events are waiting`, { code: 'event_log_full' }));
    }
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ topic, message: { key, value, ...(headers === undefined ? {} : { headers: { ...headers } }) }, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // A record pushed while the finished drain was settling would otherwise wait forever.
      if (this.buffer.length > 0 && !this.stop.signal.aborted) this.kick();
    });
  }

  /** 'ok', or why events are waiting in the buffer. */
  health(): string {
    if (this.closing) return 'closed';
    if (this.lastError === undefined || this.buffer.length === 0) return 'ok';
    return `Kafka unreachable (${this.lastError}); ${this.buffer.length} events waiting`;
  }

  /** Flushes for up to `timeoutMs`, then fails what is left and disconnects. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const timer = setTimeout(() => this.stop.abort(), timeoutMs);
    // A send stuck in kafkajs's own retries must not hold close() past the timeout.
    const timedOut = new Promise<void>((resolve) => this.stop.signal.addEventListener('abort', () => resolve(), { once: true }));
    while (this.running && !this.stop.signal.aborted) await Promise.race([this.running, timedOut]);
    clearTimeout(timer);
    this.stop.abort();
    for (const p of this.buffer.splice(0)) p.reject(new UnavailableError('event log closed before Kafka took the event', { code: 'closed' }));
    await this.producer.disconnect().catch((err: unknown) => this.opts.logger.warn({ err: errorMessage(err) }, 'producer disconnect failed'));
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.buffer.length > 0 && !this.stop.signal.aborted) {
      const batch = this.buffer.slice(0, this.opts.batchSize);
      try {
        await this.send(batch);
        this.buffer.splice(0, batch.length);
        for (const p of batch) p.resolve();
        failures = 0;
        this.lastError = undefined;
      } catch (err) {
        failures++;
        this.lastError = errorMessage(err);
        const wait = backoffDelay(failures, this.opts.retry);
        this.opts.logger.warn({ failures, waiting: this.buffer.length, retryInMs: wait, err: errorMessage(err) }, 'producing to Kafka failed; will retry');
        await sleep(wait, this.stop.signal);
      }
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    const byTopic = new Map<string, Message[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      list.push(p.message);
      byTopic.set(p.topic, list);
    }
    await this.topics.ensure([...byTopic.keys()]);
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}
