/**
 * What each role reports to the process's metrics registry, and the workers' own /metrics server.
 * The web serves the registry on its port; an answer worker, ingest worker or analytics process
 * serves it on METRICS_PORT when that is set. In the all-in-one process every role reports into
 * the one registry the web serves, each queue and the index once.
 */
import express from 'express';
import { QUEUES, type QueueName, type TopicName } from '../contracts/names.ts';
import { metricsRoute } from '../metrics/metrics-route.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { CollectionStores } from '../retrieval/collection-stores.ts';
import { listen } from './http-server.ts';
import type { Runtime } from './runtime.ts';

/** Depth, consumers and dead letters of `queues`, read from the broker on scrape. */
export function watchQueues(metrics: PrometheusMetrics, bus: MessageBus, queues: QueueName[]): void {
  const stats = bus.queueStats?.bind(bus);
  if (!stats) return;
  for (const q of queues) metrics.watchQueue(q, () => stats(q));
}

export function watchIndex(metrics: PrometheusMetrics, stores: CollectionStores): void {
  metrics.watchIndex(() => stores.stats());
}

export function watchLag(metrics: PrometheusMetrics, events: EventLog, group: string, topics: TopicName[]): void {
  const lag = events.consumerLag?.bind(events);
  if (lag) metrics.watchConsumerLag(group, () => lag(group, topics));
}

/** Serves GET /metrics on METRICS_PORT (once per process); nothing when it is unset. */
export async function serveMetrics(rt: Runtime): Promise<void> {
  const port = rt.config.observe.metricsPort;
  if (port === undefined || rt.metricsServed) return;
  rt.metricsServed = true;
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoute(rt.metrics));
  await listen(app, rt.config.web.host, port, rt.closer, rt.logger.child({ component: 'metrics' }));
}

export const ANSWER_QUEUES: QueueName[] = [QUEUES.answerRequests];
export const INGEST_QUEUES: QueueName[] = [QUEUES.ingestJobs];
