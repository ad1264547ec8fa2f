/**
 * GET /metrics in the Prometheus text format, for the web app and the workers' own metrics server.
 * Served without sign-in and before the host check, as scrapers address pods by IP: it holds
 * counts and timings only, never questions, answers or document names.
 */
import express from 'express';
import type { PrometheusMetrics } from './prometheus-metrics.ts';

export function metricsRoute(metrics: PrometheusMetrics): express.Router {
  const router = express.Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.render();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });
  return router;
}
