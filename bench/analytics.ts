/**
 * Analytics, two figures (`npm run bench:analytics`; needs Kafka, KAFKA_BROKERS default 127.0.0.1:9092):
 *
 * 1. Consumption: ~50k qa + vote events (duplicates and re-votes among them) are produced with a
 *    raw batch producer into fresh topics; then the Docent analytics consumer (Kafka adapter,
 *    batched SQLite store, qa.scored published) reads them into a file store, timed from the
 *    first stored record to the last. Baseline in the same run: a raw kafkajs consumer reading the
 *    same topics without doing anything. Reports events/s for both and the ratio (goal >= 5000/s).
 * 2. Summary: p95 of the summary per range over a store of BENCH_ANSWERS answers (default
 *    1,000,000, at spread over 30 days, latencies spread over 0.4-10 s, mixed sentiment) and votes
 *    on half of them (a sixth re-voted), and of the page panel (summary + HTML). Baseline: counting
 *    the answers of the range on the `at` index (one indexed count; the least any summary has to
 *    do), as a ratio. Goal p95 <= 100 ms.
 * BENCH_PARTS=summary (or consumption) runs one part only.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaEventLog } from '../src/adapters/kafka/event-log.ts';
import { startAnalyticsConsumer } from '../src/analytics/consumer.ts';
import { openAnalyticsStore, type BatchItem } from '../src/analytics/store.ts';
import { rangeStart } from '../src/analytics/summary.ts';
import { ANALYTICS_RANGES } from '../src/contracts/analytics-summary.ts';
import { TOPICS } from '../src/contracts/names.ts';
import { logger } from '../src/log.ts';
import { eventStream } from '../tests/support/analytics-events.ts';
import { KAFKA_BROKERS } from '../tests/support/brokers.ts';
import { analyticsPanel } from '../templates/analytics.ts';
import { percentile, round, timeRuns } from './stats.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function consumption(): Promise<Record<string, unknown>> {
  const prefix = `bench${randomUUID().slice(0, 8)}.`;
  const stream = eventStream(Number(process.env.BENCH_QA ?? 30_000), { runId: prefix });
  const kafka = new Kafka({ clientId: 'docent-bench', brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = [TOPICS.qa, TOPICS.votes].map((t) => `${prefix}${t}`);
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < stream.records.length; i += 5000) {
    const chunk = stream.records.slice(i, i + 5000);
    await producer.sendBatch({
      acks: -1,
      topicMessages: [TOPICS.qa, TOPICS.votes].map((t) => ({
        topic: `${prefix}${t}`,
        messages: chunk.filter((r) => r.topic === t).map((r) => ({ key: r.key, value: JSON.stringify(r.value) })),
      })),
    });
  }
  await producer.disconnect();
  const total = stream.records.length;

  // Baseline: raw kafkajs, same topics, a group of its own, nothing done per record.
  let seen = 0;
  let first = 0;
  const raw = kafka.consumer({ groupId: `${prefix}raw`, maxWaitTimeInMs: 1000 });
  await raw.connect();
  await raw.subscribe({ topics, fromBeginning: true });
  await raw.run({ eachBatch: async ({ batch }) => {
    first ||= performance.now();
    seen += batch.messages.length;
    return Promise.resolve();
  } });
  while (seen < total) await sleep(20);
  const rawSeconds = (performance.now() - first) / 1000;
  await raw.disconnect();

  // Docent: the analytics consumer into a file store, scored events published as in production.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-bench-analytics-'));
  const store = openAnalyticsStore(path.join(dir, 'analytics.db'));
  const events = await createKafkaEventLog({ brokers: KAFKA_BROKERS, clientId: 'docent-bench', prefix, logger: logger('bench') });
  const ends = await events.endOffsets!([TOPICS.qa, TOPICS.votes]);
  const consumer = await startAnalyticsConsumer({ events, store, logger: logger('bench') });
  let firstStored = 0;
  for (;;) {
    const offsets = ends.map((e) => BigInt(store.offset(e.topic, e.partition) ?? '-1'));
    if (!firstStored && offsets.some((o) => o >= 0n)) firstStored = performance.now();
    if (ends.every((e, i) => offsets[i]! >= BigInt(e.offset) - 1n)) break;
    await sleep(20);
  }
  const docentSeconds = (performance.now() - firstStored) / 1000;
  const s = store.summary('all');
  await consumer.stop();
  await events.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  await admin.deleteTopics({ topics: [...topics, `${prefix}${TOPICS.qaScored}`] }).catch(() => undefined);
  await admin.disconnect();
  if (s.answers !== stream.expected.answers) throw new Error(`stored ${s.answers} answers, expected ${stream.expected.answers}`);

  const docentRate = total / docentSeconds;
  const rawRate = total / rawSeconds;
  return {
    records: total,
    distinctEvents: stream.expected.distinctEvents,
    docentEventsPerSecond: round(docentRate, 0),
    rawKafkajsEventsPerSecond: round(rawRate, 0),
    ratioDocentToRaw: round(docentRate / rawRate),
    goalEventsPerSecond: 5000,
    meetsGoal: docentRate >= 5000,
  };
}

async function summaryLatency(): Promise<Record<string, unknown>> {
  const answers = Number(process.env.BENCH_ANSWERS ?? 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-bench-summary-'));
  const store = openAnalyticsStore(path.join(dir, 'analytics.db'));
  try {
    const now = Date.now();
    const span = 30 * 86_400_000;
    const fill = performance.now();
    const template = eventStream(1, { runId: 'x' }).records[0]!.value as Extract<BatchItem, { kind: 'qa' }>['event'];
    const scores = (j: number) => ({
      question: { score: 0, comparative: ((j * 31) % 21 - 10) / 25 },
      answer: { score: 1, comparative: ((j * 17) % 23 - 8) / 30 },
    });
    for (let i = 0; i < answers; i += 10_000) {
      const items: BatchItem[] = [];
      for (let j = i; j < Math.min(answers, i + 10_000); j++) {
        const at = now - span + Math.floor((j / answers) * span);
        const offset = { topic: TOPICS.qa, partition: 0, offset: String(j) };
        // A pseudo-random spread (multiplicative hash), so the histograms have many bins in use.
        const r = ((j * 2654435761) % 1_000_003) / 1_000_003;
        const gen = 300 + r * r * 9000;
        const t = { queueWaitMs: (j * 7) % 250, retrievalMs: 10 + (j % 90), firstTokenMs: 100 + ((j * 13) % 900), generationMs: gen, totalMs: 400 + gen + ((j * 13) % 900) };
        items.push({ kind: 'qa', event: { ...template, eventId: `q${j}`, answerId: `a${j}`, at, timings: t }, scored: scores(j), offset });
        if (j % 2 === 0) items.push({ kind: 'vote', event: { v: 1, eventId: `v${j}`, answerId: `a${j}`, vote: j % 3 === 0 ? 'down' : 'up', at: at + 5 }, offset: { ...offset, topic: TOPICS.votes } });
        if (j % 12 === 0) items.push({ kind: 'vote', event: { v: 1, eventId: `v${j}b`, answerId: `a${j}`, vote: 'up', at: at + 9 }, offset: { ...offset, topic: TOPICS.votes } });
      }
      store.applyBatch(items);
    }
    const fillSeconds = (performance.now() - fill) / 1000;
    const runs = Number(process.env.BENCH_SUMMARY_RUNS ?? 30);
    const byRange: Record<string, { p50: number; p95: number; pageP95: number; baselineP95: number; ratio: number }> = {};
    const db = new Database(path.join(dir, 'analytics.db'), { readonly: true });
    const count = db.prepare('SELECT count(*) AS n FROM answers WHERE at >= ?');
    for (const range of ANALYTICS_RANGES) {
      const ms = await timeRuns(runs, 1, () => store.summary(range, now));
      const page = await timeRuns(runs, 1, () => analyticsPanel(store.summary(range, now)).value.length);
      const base = await timeRuns(runs, 1, () => count.get(rangeStart(range, now)));
      const p95 = percentile(ms, 0.95);
      byRange[range] = {
        p50: round(percentile(ms, 0.5)),
        p95: round(p95),
        pageP95: round(percentile(page, 0.95)),
        baselineP95: round(percentile(base, 0.95)),
        ratio: round(p95 / percentile(base, 0.95), 1),
      };
    }
    db.close();
    const worstP95 = Math.max(...Object.values(byRange).map((r) => Math.max(r.p95, r.pageP95)));
    return {
      answers,
      votes: Math.ceil(answers / 2),
      fillSeconds: round(fillSeconds, 1),
      summaryMsByRange: byRange,
      worstP95Ms: worstP95,
      goalP95Ms: 100,
      meetsGoal: worstP95 <= 100,
    };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchAnalytics(): Promise<Record<string, unknown>> {
  const parts = process.env.BENCH_PARTS ?? 'consumption,summary';
  return {
    ...(parts.includes('consumption') ? { consumption: await consumption() } : {}),
    ...(parts.includes('summary') ? { summary: await summaryLatency() } : {}),
  };
}
