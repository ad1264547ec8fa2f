/**
 * The Quality part of analytics (admins, like the rest: the scoped analytics reader answers 403):
 *   GET /api/analytics/quality?range=&collection=|user=&minSimilarity=&page= -> AnalyticsQuality JSON
 *   GET /analytics/quality?...                                                -> the page
 * The analytics store says which questions were gaps, how often each document was cited and which
 * answers were down-voted; the web adds the most cited few and, from its document list, the
 * documents never cited in the range (of the chosen collection, when one is chosen).
 */
import { Router } from 'express';
import { parseQualityQuery, type AnalyticsQuality, type QualityQuery } from '../../contracts/analytics-quality.ts';
import type { AnalyticsRange } from '../../contracts/analytics-summary.ts';
import { collectionOfScope } from '../../contracts/analytics-scope.ts';
import { qualityPage } from '../../../templates/analytics-quality.ts';
import type { AnalyticsUsers } from '../auth/analytics-users.ts';
import { badRequest } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { parseRange } from '../validate.ts';
import { analyticsScope } from './analytics.ts';

/** Documents in the "most cited" list. */
export const MOST_CITED = 20;
/** Documents listed as never cited (the count says how many in all). */
export const MAX_NEVER_CITED = 500;

/** The store's quality numbers with the most and never cited documents of the library. */
export async function qualityView(services: WebServices, range: AnalyticsRange, query: QualityQuery, scope: string | undefined): Promise<AnalyticsQuality & { neverCitedTotal: number }> {
  const { cited, ...rest } = await services.analytics.quality(range, query, scope);
  const citedIds = new Set(cited.map((d) => d.documentId));
  const collection = collectionOfScope(scope);
  const never = services.documents
    .list()
    .filter((d) => d.status === 'ready' && !citedIds.has(d.id) && (collection === undefined || (d.collections ?? []).includes(collection)))
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return {
    ...rest,
    mostCited: cited.slice(0, MOST_CITED),
    neverCited: never.slice(0, MAX_NEVER_CITED).map((d) => ({ documentId: d.id, documentName: d.name })),
    neverCitedTotal: never.length,
  };
}

function qualityQuery(q: Record<string, unknown>): QualityQuery {
  const parsed = parseQualityQuery(q);
  if ('error' in parsed) throw badRequest(`${parsed.error}.`, parsed.field);
  return parsed.query;
}

export function analyticsQualityRoutes(services: WebServices, users?: AnalyticsUsers): Router {
  const router = Router();
  const read = (q: Record<string, unknown>) => {
    const range = parseRange(q.range);
    const query = qualityQuery(q);
    return { range, query, scope: analyticsScope(services.collections, users, q) };
  };

  router.get('/api/analytics/quality', async (req, res) => {
    const { range, query, scope } = read(req.query);
    res.set('Cache-Control', 'no-store').json(await qualityView(services, range, query, scope));
  });

  router.get('/analytics/quality', async (req, res) => {
    const { range, query, scope } = read(req.query);
    const view = await qualityView(services, range, query, scope);
    res.type('html').send(qualityPage(view, services.collections.list(), users?.() ?? []).value);
  });

  return router;
}
