/**
 * HTTP face of the separate analytics process (`npm run analytics`):
 *   GET /api/analytics/summary?range=hour|day|week|all  -> AnalyticsSummary (JSON; range defaults to day)
 *   GET /healthz                                        -> {status: 'ok'} or 503 when the store cannot be read
 * A bad range is a 400 `{error}` naming the allowed values; a store failure is a 500 `{error}`.
 * The web reads this through ./http-reader.ts.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ANALYTICS_RANGES, type AnalyticsRange } from '../contracts/analytics-summary.ts';
import { errorMessage } from '../errors.ts';
import { logger } from '../log.ts';
import type { AnalyticsStore } from './store.ts';

const DEFAULT_RANGE: AnalyticsRange = 'day';

function isRange(v: unknown): v is AnalyticsRange {
  return typeof v === 'string' && (ANALYTICS_RANGES as readonly string[]).includes(v);
}

export function createAnalyticsHttpApp(store: Pick<AnalyticsStore, 'summary' | 'check'>): express.Application {
  const log = logger('analytics-http');
  const app = express();
  app.disable('x-powered-by');

  app.get('/api/analytics/summary', (req, res) => {
    const range = req.query.range ?? DEFAULT_RANGE;
    if (!isRange(range)) {
      res.status(400).json({ error: `range must be one of ${ANALYTICS_RANGES.join(', ')}` });
      return;
    }
    res.set('Cache-Control', 'no-store').json(store.summary(range));
  });

  app.get('/healthz', (_req, res) => {
    try {
      store.check();
      res.json({ status: 'ok' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', error: errorMessage(err) });
    }
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });

  // Express 5 forwards thrown and rejected errors here; the body stays JSON for the web's reader.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    log.error({ err, path: req.path }, 'analytics request failed');
    res.status(500).json({ error: 'analytics store failed; see the analytics service log' });
  });

  return app;
}
