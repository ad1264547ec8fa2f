/**
 * Analytics routes besides the summary: the full record of one answer (JSON, and the page/fragment
 * a row of the recent-answers table opens) and the CSV export of the answers table.
 *   GET /api/analytics/answers.csv?range=...          -> text/csv attachment: every answer of the range, newest
 *                                                       first, streamed page by page with back-pressure (no cap)
 *                                                       (&collection=: only that collection's; a collections column either way)
 *   GET /api/analytics/answers/:id                    -> AnalyticsAnswer JSON, 404 when not stored
 *   GET /analytics/answers/:id                        -> detail page; with HX-Request the fragment alone
 * `?collection=` (here, on the analytics page and on GET /api/analytics/summary) is one collection's
 * id or name: only the answers asked over it or citing it (src/analytics/answer-collections.ts);
 * unknown is a 404 naming it.
 */
import { Router } from 'express';
import type { CollectionService, CollectionView } from '../../ports/collection-service.ts';
import { csvChunks } from '../../analytics/csv.ts';
import { started, streamText } from '../../analytics/stream-out.ts';
import { answerDetail, answerDetailPage } from '../../../templates/analytics-detail.ts';
import { badRequest, notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { parseRange } from '../validate.ts';

/** `?collection=` of an analytics read: undefined for all, else the collection (by id or name; unknown: 404). */
export function analyticsCollection(collections: CollectionService, value: unknown): CollectionView | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest('Name one collection in "collection" (its id or name).', 'collection');
  return collections.get(value);
}

export function analyticsRoutes(services: WebServices): Router {
  const router = Router();

  router.get('/api/analytics/answers.csv', async (req, res) => {
    const range = parseRange(req.query.range);
    const collection = analyticsCollection(services.collections, req.query.collection);
    // The first page is read before the headers go out: analytics being down is still a 503.
    const pages = await started(services.analytics.exportAnswers(range, collection?.id));
    const names = new Map(services.collections.list().map((c) => [c.id, c.name]));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="docent-answers-${range}${collection ? `-${collection.id}` : ''}.csv"`)
      .set('Cache-Control', 'no-store');
    await streamText(res, csvChunks(pages, (id) => names.get(id) ?? id));
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
