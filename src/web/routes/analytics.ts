/**
 * Analytics routes besides the summary: the full record of one answer (JSON, and the page/fragment
 * a row of the recent-answers table opens) and the CSV export of the answers table.
 *   GET /api/analytics/answers.csv?range=...          -> text/csv attachment: every answer of the range, newest
 *                                                       first, streamed page by page with back-pressure (no cap)
 *   GET /api/analytics/answers/:id                    -> AnalyticsAnswer JSON, 404 when not stored
 *   GET /analytics/answers/:id                        -> detail page; with HX-Request the fragment alone
 */
import { Router } from 'express';
import { csvChunks } from '../../analytics/csv.ts';
import { started, streamText } from '../../analytics/stream-out.ts';
import { answerDetail, answerDetailPage } from '../../../templates/analytics-detail.ts';
import { notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { parseRange } from '../validate.ts';

export function analyticsRoutes(services: WebServices): Router {
  const router = Router();

  router.get('/api/analytics/answers.csv', async (req, res) => {
    const range = parseRange(req.query.range);
    // The first page is read before the headers go out: analytics being down is still a 503.
    const pages = await started(services.analytics.exportAnswers(range));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="docent-answers-${range}.csv"`)
      .set('Cache-Control', 'no-store');
    await streamText(res, csvChunks(pages));
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
