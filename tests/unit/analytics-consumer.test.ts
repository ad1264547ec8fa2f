// The analytics consumer against the in-process event log (the embedded default adapter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { startAnalyticsConsumer, type AnalyticsDeadLetter } from '../../src/analytics/consumer.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { qaScoredSchema, type QaEvent, type QaScored, type VoteEvent } from '../../src/contracts/analytics.ts';
import { TOPICS, type TopicName } from '../../src/contracts/names.ts';
import { logger } from '../../src/log.ts';
import type { EventLog, LogRecord } from '../../src/ports/event-log.ts';
import { qaFixture, voteFixture } from '../support/analytics-fixtures.ts';

const log = logger('test');

function qa(n: number, over: Partial<QaEvent> = {}): QaEvent {
  return qaFixture(n, {
    question: 'Is the installation guide good?',
    answer: 'Yes, it is clear and helpful.',
    sources: [{ documentId: 'd-1', documentName: 'guide.pdf', page: 2 }],
    model: 'test-model',
    worker: 'w-1',
    timings: { queueWaitMs: 5, retrievalMs: 20, firstTokenMs: 300, generationMs: 2000, totalMs: 2400 },
    tokens: { prompt: 120, completion: 50 },
    at: Date.now(),
    ...over,
  });
}

const vote = (eventId: string, answerId: string, v: 'up' | 'down', at = Date.now()): VoteEvent => voteFixture(eventId, answerId, v, at);

async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything produced to a topic, read by an observer group of its own. */
async function collect<T>(events: EventLog, topic: TopicName): Promise<T[]> {
  const seen: T[] = [];
  await events.consume({ group: `observer-${topic}`, topics: [topic] }, (r) => {
    seen.push(JSON.parse(r.value) as T);
    return Promise.resolve();
  });
  return seen;
}

interface Rig {
  events: EventLog;
  store: AnalyticsStore;
  scored: QaScored[];
  dead: AnalyticsDeadLetter[];
  /** Hands a raw record straight to the consumer's handler (values the adapter cannot produce). */
  inject(record: LogRecord): Promise<void>;
  stop(): Promise<void>;
}

async function rig(opts: { events?: EventLog; store?: AnalyticsStore } = {}): Promise<Rig> {
  const inner = opts.events ?? createMemoryEventLog({ retryBackoff: { initialMs: 5, maxMs: 20 } });
  let handler: ((r: LogRecord) => Promise<void>) | undefined;
  const events: EventLog = {
    kind: inner.kind,
    health: () => inner.health(),
    produce: (t, k, v) => inner.produce(t, k, v),
    consume: (o, h) => {
      if (o.topics.includes(TOPICS.qa)) handler = h;
      return inner.consume(o, h);
    },
    close: () => inner.close(),
  };
  const store = opts.store ?? openAnalyticsStore(':memory:');
  const scored = await collect<QaScored>(events, TOPICS.qaScored);
  const dead = await collect<AnalyticsDeadLetter>(events, TOPICS.deadLetter);
  const consumer = await startAnalyticsConsumer({ events, store, logger: log, group: 'analytics-test' });
  return {
    events, store, scored, dead,
    inject: (r) => (handler ? handler(r) : Promise.reject(new Error('consumer did not subscribe to qa'))),
    async stop() {
      await consumer.stop();
      await events.close();
      store.close();
    },
  };
}

void test('valid qa and vote events are stored and a qa.scored event is published', async () => {
  const r = await rig();
  try {
    await r.events.produce(TOPICS.qa, 'c-1', qa(1));
    await r.events.produce(TOPICS.votes, 'a-1', vote('v-1', 'a-1', 'up'));
    await waitFor('answer and vote stored', () => {
      const s = r.store.summary('all');
      return s.answers === 1 && s.votes.up === 1;
    });
    await waitFor('qa.scored published', () => r.scored.length === 1);
    const out = qaScoredSchema.parse(r.scored[0]);
    assert.equal(out.eventId, 'scored:qa-1');
    assert.equal(out.answerId, 'a-1');
    assert.ok(out.questionSentiment.comparative > 0, 'the question says "good"');
    assert.ok(out.answerSentiment.comparative > 0, 'the answer says "clear and helpful"');
    assert.equal(out.tokensPerSecond, 25);
    assert.equal(out.totalMs, 2400);
    const s = r.store.summary('all');
    assert.equal(s.satisfaction, 1);
    assert.equal(s.tokensPerSecond, 25);
    assert.equal(s.recent[0]?.vote, 'up');
    assert.equal(r.store.offsets().length, 2, 'one offset per topic/partition used');
  } finally {
    await r.stop();
  }
});

void test('malformed and wrong-version events are dead-lettered and consumption continues', async () => {
  const r = await rig();
  try {
    await r.events.produce(TOPICS.qa, 'c-1', { hello: 'world' });
    await r.events.produce(TOPICS.qa, 'c-1', { ...qa(2), v: 2 });
    await r.events.produce(TOPICS.votes, 'a-9', vote('v-9', 'a-9', 'sideways' as 'up'));
    await r.events.produce(TOPICS.qa, 'c-1', qa(3));
    await r.inject({ topic: TOPICS.qa, partition: 0, offset: '99', key: null, value: '{not json' });
    await waitFor('valid event after the bad ones stored', () => r.store.summary('all').answers === 1);
    await waitFor('four dead letters', () => r.dead.length === 4);
    const reasons = r.dead.map((d) => d.reason).sort();
    assert.match(reasons.join('\n'), /invalid JSON/);
    assert.match(reasons.join('\n'), /unsupported qa event version 2 \(expected 1\)/);
    assert.match(reasons.join('\n'), /invalid qa event: v: Invalid literal value, expected 1; eventId: Required; .*; and \d+ more/);
    assert.match(reasons.join('\n'), /invalid vote event: vote: /);
    const raw = r.dead.find((d) => d.reason.startsWith('invalid JSON'));
    assert.deepEqual(raw && { topic: raw.topic, partition: raw.partition, offset: raw.offset, value: raw.value }, {
      topic: 'qa', partition: 0, offset: '99', value: '{not json',
    });
    assert.equal(r.scored.length, 1, 'only the valid qa event is scored');
    // Dead-lettered records still move the stored offsets on.
    assert.ok(r.store.offsets().some((o) => o.topic === 'qa' && o.partition === 0 && o.offset === '99'));
  } finally {
    await r.stop();
  }
});

void test('a duplicated qa event counts once and is scored once; a replayed vote counts once', async () => {
  const r = await rig();
  try {
    await r.events.produce(TOPICS.qa, 'c-1', qa(1));
    await r.events.produce(TOPICS.qa, 'c-1', qa(1));
    await r.events.produce(TOPICS.votes, 'a-1', vote('v-1', 'a-1', 'up', 1000));
    await r.events.produce(TOPICS.votes, 'a-1', vote('v-2', 'a-1', 'down', 2000));
    await r.events.produce(TOPICS.votes, 'a-1', vote('v-1', 'a-1', 'up', 1000));
    await r.events.produce(TOPICS.qa, 'c-1', qa(2));
    await waitFor('second answer stored', () => r.store.summary('all').answers === 2);
    await waitFor('votes applied', () => r.store.summary('all').votes.down === 1);
    await waitFor('two scored events', () => r.scored.length === 2);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(r.scored.map((s) => s.eventId).sort(), ['scored:qa-1', 'scored:qa-2']);
    assert.deepEqual(r.store.summary('all').votes, { up: 0, down: 1 });
  } finally {
    await r.stop();
  }
});

void test('a failed qa.scored publish is retried: stored once, published once the log takes it', async () => {
  const inner = createMemoryEventLog({ retryBackoff: { initialMs: 5, maxMs: 20 } });
  let failures = 1;
  const flaky: EventLog = {
    kind: inner.kind,
    health: () => inner.health(),
    produce: (t, k, v) =>
      t === TOPICS.qaScored && failures-- > 0 ? Promise.reject(new Error('broker unavailable')) : inner.produce(t, k, v),
    consume: (o, h) => inner.consume(o, h),
    close: () => inner.close(),
  };
  const r = await rig({ events: flaky });
  try {
    await r.events.produce(TOPICS.qa, 'c-1', qa(1));
    await waitFor('qa.scored published after the retry', () => r.scored.length === 1);
    assert.equal(r.store.summary('all').answers, 1);
    assert.equal(r.store.scoredPending('qa-1'), false);
  } finally {
    await r.stop();
  }
});

void test('a store failure is retried by the log, not dead-lettered', async () => {
  const real = openAnalyticsStore(':memory:');
  let failures = 1;
  const store: AnalyticsStore = Object.assign(Object.create(real) as AnalyticsStore, {
    applyBatch(items: Parameters<AnalyticsStore['applyBatch']>[0]) {
      if (items.some((i) => i.kind === 'vote') && failures-- > 0) throw new Error('database is locked');
      return real.applyBatch(items);
    },
  });
  const r = await rig({ store });
  try {
    await r.events.produce(TOPICS.qa, 'c-1', qa(1));
    await r.events.produce(TOPICS.votes, 'a-1', vote('v-1', 'a-1', 'down'));
    await waitFor('vote stored after the retry', () => real.summary('all').votes.down === 1);
    assert.equal(r.dead.length, 0);
  } finally {
    await r.stop();
  }
});

void test('stop is idempotent and ends consumption', async () => {
  const events = createMemoryEventLog();
  const store = openAnalyticsStore(':memory:');
  const consumer = await startAnalyticsConsumer({ events, store, logger: log });
  await Promise.all([consumer.stop(), consumer.stop()]);
  await events.produce(TOPICS.qa, 'c-1', qa(1));
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(store.summary('all').answers, 0);
  await events.close();
  store.close();
});
