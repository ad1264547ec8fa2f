/**
 * The roles of a question wired in one process over the in-process bus and event log, as `npm
 * start` wires them, with one metrics registry: the web app (fake services except the real answer
 * client), an answer worker's handler with a scripted chat model, and the analytics consumer over
 * a real store. Tests ask through /api/ask, then read /metrics or the exported spans.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { startAnalyticsConsumer, type AnalyticsConsumer } from '../../src/analytics/consumer.ts';
import { openAnalyticsStore } from '../../src/analytics/store.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import { ANSWER_QUEUES, INGEST_QUEUES, watchLag, watchQueues } from '../../src/app/observe.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import { GROUPS, QUEUES, TOPICS } from '../../src/contracts/names.ts';
import { logger as silentLogger } from '../../src/log.ts';
import { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import type { EventLog } from '../../src/ports/event-log.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { FakeServices, startTestServer, type TestServer } from './fake-services.ts';
import { retryPolicy } from './retry-policy.ts';

const HIT: SearchHit = { chunkId: 'd:0', documentId: 'd', documentName: 'guide.pdf', page: 2, text: 'Ilsabet keeps the light.', start: 0, end: 24, score: 0.9 };

/** A chat model that writes `pieces`, one every few milliseconds. */
export function scriptedChat(pieces: string[]): ChatModel {
  return {
    name: 'scripted',
    contextSize: 2048,
    sequences: 1,
    countTokens: (t) => Math.ceil(t.length / 4),
    async generate(_messages, opts) {
      for (const p of pieces) {
        opts.onText?.(p);
        await new Promise((r) => setTimeout(r, 2));
      }
      return { text: pieces.join(''), promptTokens: 10, completionTokens: pieces.length, firstTokenMs: 2 };
    },
    close: () => Promise.resolve(),
  };
}

export interface ObservedApp {
  srv: TestServer;
  bus: MessageBus;
  events: EventLog;
  metrics: PrometheusMetrics;
  /** Starts the analytics consumer (not started at first, so its lag can be seen). */
  startAnalytics(): Promise<void>;
  /** POSTs a question to /api/ask and returns the JSON answer. */
  ask(question: string, headers?: Record<string, string>): Promise<{ answer: string; answerId: string }>;
  close(): Promise<void>;
}

export async function startObservedApp(opts: { workerLogger?: Logger; pieces?: string[] } = {}): Promise<ObservedApp> {
  const log = silentLogger('test');
  const bus = createMemoryMessageBus({ logger: log });
  const events = createMemoryEventLog({ logger: log });
  const metrics = new PrometheusMetrics({ scrapeCacheMs: 0 });
  const handler = createAnswerHandler({
    bus,
    events,
    retriever: { search: () => Promise.resolve([HIT]) },
    chat: scriptedChat(opts.pieces ?? ['Ilsabet ', 'keeps ', 'it [1].']),
    workerId: 'w1',
    systemPrompt: undefined,
    cancellations: new AnswerCancellations(),
    logger: opts.workerLogger ?? log,
    metrics,
  });
  const worker = await bus.consume(QUEUES.answerRequests, handler, { prefetch: 1, retry: retryPolicy({ maxAttempts: 2, backoff: { initialMs: 5, maxMs: 5 } }) });
  const services = new FakeServices();
  const client = await createAnswerClient({ bus, timeoutMs: 30_000, logger: log });
  services.answers = client;
  watchQueues(metrics, bus, [...ANSWER_QUEUES, ...INGEST_QUEUES]);
  watchLag(metrics, events, GROUPS.analytics, [TOPICS.qa, TOPICS.votes]);
  const srv = await startTestServer({}, services, undefined, undefined, metrics);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-observe-'));
  const store = openAnalyticsStore(path.join(dir, 'analytics.db'));
  let consumer: AnalyticsConsumer | undefined;
  return {
    srv,
    bus,
    events,
    metrics,
    async startAnalytics() {
      consumer = await startAnalyticsConsumer({ events, store, logger: log, metrics });
    },
    async ask(question, headers = {}) {
      const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers }, body: JSON.stringify({ question }) });
      if (!res.ok) throw new Error(`ask: ${res.status} ${await res.text()}`);
      return (await res.json()) as { answer: string; answerId: string };
    },
    async close() {
      await consumer?.stop();
      await worker.cancel();
      client.close();
      await srv.close();
      await bus.close();
      await events.close();
      store.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
