/** Entrypoint: the analytics consumer, serving the summary API on ANALYTICS_PORT. */
import { startAnalytics } from '../app/roles/analytics.ts';
import { runRole } from './run-role.ts';

runRole('analytics', (rt) => startAnalytics(rt, { serveHttp: true }));
