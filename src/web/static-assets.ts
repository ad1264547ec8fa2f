/**
 * Static files, all served by us (never a CDN): htmx 4 and chart.js straight from node_modules,
 * and our own CSS/JS from templates/static.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

const require = createRequire(import.meta.url);

/** Where the vendored scripts live; resolved through the packages so a hoisted install works too. */
export function vendorPaths(): { htmx: string; chart: string; own: string } {
  // chart.js does not export its package.json; its main entry sits in dist/ next to the UMD build.
  const chartDist = path.dirname(require.resolve('chart.js'));
  return {
    htmx: require.resolve('htmx.org/dist/htmx.min.js'),
    chart: path.join(chartDist, 'chart.umd.min.js'),
    own: fileURLToPath(new URL('../../templates/static/', import.meta.url)),
  };
}

export function staticAssets(): Router {
  const paths = vendorPaths();
  const router = Router();
  const opts = { maxAge: '1h', headers: { 'Content-Type': 'text/javascript; charset=utf-8' } };
  router.get('/static/htmx.js', (_req, res) => res.sendFile(paths.htmx, opts));
  router.get('/static/chart.js', (_req, res) => res.sendFile(paths.chart, opts));
  router.use('/static', express.static(paths.own, { index: false, maxAge: '5m', fallthrough: true }));
  return router;
}
