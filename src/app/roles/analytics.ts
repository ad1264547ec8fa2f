/**
 * The analytics role: the Kafka consumer that scores and stores `qa` and `votes`. With
 * `serveHttp` it also serves the summary API for separate web processes.
 */
import { startAnalyticsConsumer } from '../../analytics/consumer.ts';
import { createAnalyticsHttpApp } from '../../analytics/http.ts';
import { listen } from '../http-server.ts';
import { GROUPS, TOPICS } from '../../contracts/names.ts';
import { serveMetrics, watchLag } from '../observe.ts';
import type { Runtime } from '../runtime.ts';

export async function startAnalytics(rt: Runtime, opts: { serveHttp: boolean }): Promise<void> {
  const log = rt.logger.child({ component: 'analytics' });
  const [{ events }, store] = await Promise.all([rt.messaging(), rt.analyticsStore()]);
  if (opts.serveHttp) await listen(createAnalyticsHttpApp(store, { allowedHosts: rt.config.web.allowedHosts }), rt.config.web.host, rt.config.analytics.port, rt.closer, log);
  const consumer = await startAnalyticsConsumer({ events, store, logger: log, metrics: rt.metrics });
  watchLag(rt.metrics, events, GROUPS.analytics, [TOPICS.qa, TOPICS.votes]);
  await serveMetrics(rt);
  rt.closer.add('analytics consumer', () => consumer.stop());
  log.info('analytics consumer ready');
}
