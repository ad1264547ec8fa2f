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
 */
import type { ZodError } from 'zod';
import { qaEventSchema, voteEventSchema, EVENT_VERSION, type QaEvent, type QaScored } from '../contracts/analytics.ts';
import { GROUPS, TOPICS } from '../contracts/names.ts';
import type { EventLog, LogRecord } from '../ports/event-log.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import { scoreSentiment } from './sentiment.ts';
import type { AnalyticsStore, ConsumedOffset } from './store.ts';
import { tokensPerSecond } from './throughput.ts';

export interface AnalyticsConsumerOptions {
  events: EventLog;
  store: AnalyticsStore;
  logger: Logger;
  /** Consumer group. Default GROUPS.analytics. */
  group?: string;
}

export interface AnalyticsConsumer {
  /** Stops consuming; resolves when the record in flight is done. Idempotent. */
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
  const log = opts.logger.child({ component: 'analytics-consumer' });

  const deadLetter = async (record: LogRecord, reason: string): Promise<void> => {
    const dead: AnalyticsDeadLetter = {
      reason,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      value: record.value,
    };
    log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'dead-lettering record');
    await events.produce(TOPICS.deadLetter, record.key ?? `${record.topic}:${record.partition}:${record.offset}`, dead);
    store.recordOffset(offsetOf(record));
  };

  const handleQa = async (record: LogRecord, event: QaEvent): Promise<void> => {
    const scored = { question: scoreSentiment(event.question), answer: scoreSentiment(event.answer) };
    const fresh = store.recordQa(event, scored, offsetOf(record));
    log.debug({ offset: record.offset, eventId: event.eventId, answerId: event.answerId, fresh }, 'qa event applied');
    if (!store.scoredPending(event.eventId)) return;
    const out: QaScored = {
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
    await events.produce(TOPICS.qaScored, event.answerId, out);
    store.markScoredPublished(event.eventId);
  };

  const handle = async (record: LogRecord): Promise<void> => {
    if (record.topic === TOPICS.qa) {
      const decoded = decode(record.value, qaEventSchema.safeParse.bind(qaEventSchema), 'qa event');
      if (!decoded.ok) return deadLetter(record, decoded.reason);
      return handleQa(record, decoded.value);
    }
    if (record.topic === TOPICS.votes) {
      const decoded = decode(record.value, voteEventSchema.safeParse.bind(voteEventSchema), 'vote event');
      if (!decoded.ok) return deadLetter(record, decoded.reason);
      const fresh = store.recordVote(decoded.value, offsetOf(record));
      log.debug({ offset: record.offset, eventId: decoded.value.eventId, fresh }, 'vote event applied');
      return;
    }
    return deadLetter(record, `unexpected topic ${record.topic}`);
  };

  const subscription = await events.consume(
    { group: opts.group ?? GROUPS.analytics, topics: [TOPICS.qa, TOPICS.votes], fromBeginning: true },
    handle,
  );
  log.info({ group: opts.group ?? GROUPS.analytics, events: events.kind }, 'analytics consumer started');

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= subscription.cancel().then(() => log.info('analytics consumer stopped'));
      return stopping;
    },
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
