/**
 * Analytics routes besides the summary: the full record of one answer (JSON, and the page/fragment
 * a row of the recent-answers table opens) and the CSV export of the answers table.
 *   GET /api/analytics/answers.csv?range=...&limit=N  -> text/csv attachment, newest first (default 10000 rows)
 *   GET /api/analytics/answers/:id                    -> AnalyticsAnswer JSON, 404 when not stored
 *   GET /analytics/answers/:id                        -> detail page; with HX-Request the fragment alone
 */
import { Router } from 'express';
import { answersCsv } from '../../analytics/csv.ts';
import { answerDetail, answerDetailPage } from '../../../templates/analytics-detail.ts';
import { badRequest, notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { parseRange } from '../validate.ts';

const EXPORT_LIMIT = 10_000;
const MAX_EXPORT_LIMIT = 100_000;

function parseLimit(value: unknown): number {
  if (value === undefined || value === '') return EXPORT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_EXPORT_LIMIT) throw badRequest(`limit must be a whole number from 1 to ${MAX_EXPORT_LIMIT}.`, 'limit');
  return n;
}

export function analyticsRoutes(services: WebServices): Router {
  const router = Router();

  router.get('/api/analytics/answers.csv', async (req, res) => {
    const range = parseRange(req.query.range);
    const rows = await services.analytics.answers(range, parseLimit(req.query.limit));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="docent-answers-${range}.csv"`)
      .set('Cache-Control', 'no-store')
      .send(answersCsv(rows));
  });

  router.get('/api/analytics/answers/:id', async (req, res) => {
    const answer = await services.analytics.answer(req.params.id);
    if (!answer) throw notFound(`No answer with id "${req.params.id}" in analytics (it may not have been consumed yet).`);
    res.json(answer);
  });

  router.get('/analytics/answers/:id', async (req, res) => {
    const answer = await services.analytics.answer(req.params.id);
    if (!answer) throw notFound(`No answer with id "${req.params.id}" in analytics (it may not have been consumed yet).`);
    const page = req.get('HX-Request') === 'true' ? answerDetail(answer) : answerDetailPage(answer);
    res.type('html').send(page.value);
  });

  return router;
}
