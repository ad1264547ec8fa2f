/**
 * The analytics consumer: reads topics `qa` and `votes` from the beginning in a consumer group,
 * stores them idempotently, and publishes `qa.scored` for every newly stored answer.
 *
 * Per record:
 * - decode (JSON) and validate (zod, version included); a record that fails is produced to the
 *   dead-letter topic with `{reason, topic, partition, offset, value}`, its offset is recorded, and
 *   consumption continues: bad input is never retried.
 * - qa: score question and answer sentiment, store (event + offset in one transaction), then publish
 *   `qa.scored` keyed by answer id with eventId `scored:<qa eventId>`. The store remembers whether
 *   that publish happened, so a crash between storing and publishing publishes on the replay, and a
 *   replay after a successful publish does not publish again.
 * - votes: store (latest vote per answer wins).
 * A store or broker failure throws, so the event log retries the record; that is safe because every
 * step above is idempotent by event id.
 *
 * Records are applied in batches when the log offers them (Kafka: one fetched batch of a partition):
 * dead letters are produced first, then the whole batch and its offsets are ONE store transaction,
 * then the batch's qa.scored events are produced together and marked published together.
 * The consumer hands the store's offsets to the log (`appliedOffset`), so after a crash it resumes
 * where the store, not Kafka's commit, says it got to.
 *
 * Replay mode (`publish: false`, used by the rebuild) stores the same way but produces nothing:
 * the dead letters and qa.scored events of those records were produced when they were first seen.
 */
import type { ZodError } from 'zod';
import { qaEventSchema, voteEventSchema, EVENT_VERSION, type QaEvent, type QaScored } from '../contracts/analytics.ts';
import { GROUPS, TOPICS, type TopicName } from '../contracts/names.ts';
import type { EventLog, LogRecord } from '../ports/event-log.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { scoreSentiment } from './sentiment.ts';
import type { AnalyticsStore, BatchItem, ConsumedOffset, QaSentiment } from './store.ts';
import { tokensPerSecond } from './throughput.ts';
import type { AnalyticsMetrics } from '../ports/metrics.ts';
import { contextFrom, messagingAttributes, SpanKind, startSpan } from '../tracing/trace-context.ts';

export interface AnalyticsConsumerOptions {
  events: EventLog;
  store: AnalyticsStore;
  logger: Logger;
  /** Consumer group. Default GROUPS.analytics. */
  group?: string;
  /** Produce dead letters and qa.scored. Default true; false for a replay into a fresh store. */
  publish?: boolean;
  /** Dead-lettered records; default none. */
  metrics?: AnalyticsMetrics;
}

export interface AnalyticsConsumer {
  /** Stops consuming; resolves when the batch in flight is done. Idempotent. */
  stop(): Promise<void>;
}

/** Dead-letter record for a record the consumer could not use. */
export interface AnalyticsDeadLetter {
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  value: string;
}

/** Issues named in a dead-letter reason; a record that is not an event at all fails every field. */
const MAX_ISSUES = 5;

type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

export async function startAnalyticsConsumer(opts: AnalyticsConsumerOptions): Promise<AnalyticsConsumer> {
  const { events, store } = opts;
  const publish = opts.publish ?? true;
  const group = opts.group ?? GROUPS.analytics;
  const log = opts.logger.child({ component: 'analytics-consumer' });

  const deadLetter = (record: LogRecord, reason: string): Promise<void> => {
    const dead: AnalyticsDeadLetter = { reason, topic: record.topic, partition: record.partition, offset: record.offset, value: record.value };
    log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'dead-lettering record');
    opts.metrics?.analyticsDeadLettered(record.topic);
    if (!publish) return Promise.resolve();
    return events.produce(TOPICS.deadLetter, record.key ?? `${record.topic}:${record.partition}:${record.offset}`, dead);
  };

  /** Decodes one record into what the store applies, dead-lettering what cannot be used. */
  const toItem = (record: LogRecord, dead: Array<Promise<void>>): BatchItem => {
    const offset = offsetOf(record);
    if (record.topic === TOPICS.qa) {
      const decoded = decode(record.value, qaEventSchema.safeParse.bind(qaEventSchema), 'qa event');
      if (decoded.ok) {
        const event = decoded.value;
        // The answer's trace ends here: scoring is a span under the worker's `qa publish`.
        const span = record.headers?.traceparent === undefined ? undefined : startSpan('qa process', { kind: SpanKind.CONSUMER, parent: contextFrom(record.headers), attributes: { ...messagingAttributes(events.kind, TOPICS.qa, 'process'), 'docent.answer_id': event.answerId } });
        const scored = { question: scoreSentiment(event.question), answer: scoreSentiment(event.answer) };
        span?.end();
        return { kind: 'qa', event, scored, offset };
      }
      dead.push(deadLetter(record, decoded.reason));
    } else if (record.topic === TOPICS.votes) {
      const decoded = decode(record.value, voteEventSchema.safeParse.bind(voteEventSchema), 'vote event');
      if (decoded.ok) return { kind: 'vote', event: decoded.value, offset };
      dead.push(deadLetter(record, decoded.reason));
    } else {
      dead.push(deadLetter(record, `unexpected topic ${record.topic}`));
    }
    return { kind: 'offset', offset };
  };

  const handleBatch = async (records: LogRecord[]): Promise<void> => {
    const dead: Array<Promise<void>> = [];
    const items = records.map((r) => toItem(r, dead));
    // Dead letters before the offsets move past them: a crash in between repeats a dead letter,
    // it never loses one.
    await Promise.all(dead);
    const fresh = store.applyBatch(items);
    const last = records.at(-1);
    log.debug({ topic: last?.topic, partition: last?.partition, lastOffset: last?.offset, records: records.length, fresh }, 'batch applied');
    const qas = items.filter((i): i is Extract<BatchItem, { kind: 'qa' }> => i.kind === 'qa' && store.scoredPending(i.event.eventId));
    if (qas.length === 0) return;
    if (publish) await Promise.all(qas.map((i) => events.produce(TOPICS.qaScored, i.event.answerId, scoredEvent(i.event, i.scored))));
    store.markScoredPublishedMany(qas.map((i) => i.event.eventId));
  };

  const consumeOpts = {
    group,
    topics: [TOPICS.qa, TOPICS.votes],
    fromBeginning: true,
    appliedOffset: (topic: TopicName, partition: number) => store.offset(topic, partition),
  };
  const subscription = events.consumeBatches
    ? await events.consumeBatches(consumeOpts, handleBatch)
    : await events.consume(consumeOpts, (record) => handleBatch([record]));
  log.info({ group, events: events.kind, batches: events.consumeBatches !== undefined }, 'analytics consumer started');

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= subscription.cancel().then(() => log.info('analytics consumer stopped'));
      return stopping;
    },
  };
}

function scoredEvent(event: QaEvent, scored: QaSentiment): QaScored {
  return {
    v: EVENT_VERSION,
    eventId: `scored:${event.eventId}`,
    answerId: event.answerId,
    questionSentiment: scored.question,
    answerSentiment: scored.answer,
    totalMs: event.timings.totalMs,
    // The wire format wants a number; 0 stands for "not measurable" (no generation time).
    tokensPerSecond: tokensPerSecond(event.tokens.completion, event.timings.generationMs) ?? 0,
    at: event.at,
  };
}

function offsetOf(record: LogRecord): ConsumedOffset {
  return { topic: record.topic, partition: record.partition, offset: record.offset };
}

/** JSON + schema, with a reason a person can act on (version mismatches named as such). */
function decode<T>(
  raw: string,
  parse: (v: unknown) => { success: true; data: T } | { success: false; error: ZodError },
  what: string,
): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${errorMessage(err)}` };
  }
  if (json !== null && typeof json === 'object' && 'v' in json && json.v !== EVENT_VERSION) {
    return { ok: false, reason: `unsupported ${what} version ${JSON.stringify(json.v)} (expected ${EVENT_VERSION})` };
  }
  const parsed = parse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const all = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  const more = all.length > MAX_ISSUES ? `; and ${all.length - MAX_ISSUES} more` : '';
  return { ok: false, reason: `invalid ${what}: ${all.slice(0, MAX_ISSUES).join('; ')}${more}` };
}
