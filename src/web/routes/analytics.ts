/**
 * Analytics routes besides the summary: the full record of one answer (JSON, and the page/fragment
 * a row of the recent-answers table opens) and the CSV export of the answers table.
 *   GET /api/analytics/answers.csv?range=...          -> text/csv attachment: every answer of the range, newest
 *                                                       first, streamed page by page with back-pressure (no cap)
 *                                                       (&collection=: only that collection's; a collections column either way;
 *                                                       channel and user columns, the user by account name)
 *   GET /api/analytics/answers/:id                    -> AnalyticsAnswer JSON, 404 when not stored
 *   GET /analytics/answers/:id                        -> detail page; with HX-Request the fragment alone
 * `?collection=` (here, on the analytics page and on GET /api/analytics/summary) is one collection's
 * id or name: only the answers asked over it or citing it (src/analytics/answer-collections.ts);
 * unknown is a 404 naming it. `?user=` (an internal id or a name; admins only, 403 otherwise) is
 * one user's answers instead (src/contracts/analytics-scope.ts); unknown is a 404; both at once a 400.
 * `?channel=web|api|openai|mcp` is the answers that came through one channel (answers recorded
 * before channels count as web); another value is a 400 listing the channels. One filter at a time:
 * each has its own aggregate buckets, so a channel with a collection or a user is a 400.
 */
import { Router } from 'express';
import type { CollectionService, CollectionView } from '../../ports/collection-service.ts';
import { csvChunks } from '../../analytics/csv.ts';
import { started, streamText } from '../../analytics/stream-out.ts';
import { answerDetail, answerDetailPage } from '../../../templates/analytics-detail.ts';
import { badRequest, HttpError, notFound } from '../http-error.ts';
import type { AnalyticsUsers } from '../auth/analytics-users.ts';
import { channelOfScope, channelScope, unknownChannelMessage, userOfScope, userScope } from '../../contracts/analytics-scope.ts';
import { channelSchema } from '../../contracts/channel.ts';
import type { WebServices } from '../services.ts';
import { parseRange } from '../validate.ts';

/** `?collection=` of an analytics read: undefined for all, else the collection (by id or name; unknown: 404). */
export function analyticsCollection(collections: CollectionService, value: unknown): CollectionView | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest('Name one collection in "collection" (its id or name).', 'collection');
  return collections.get(value);
}

/**
 * The scope of an analytics read from `?collection=`, `?user=` and `?channel=` (one at a time):
 * undefined for every answer, else a collection id, a user scope or a channel scope. `users` lists whom an admin may pick.
 */
export function analyticsScope(collections: CollectionService, users: AnalyticsUsers | undefined, query: Record<string, unknown>): string | undefined {
  const given = (v: unknown): boolean => v !== undefined && v !== '';
  const ch = query.channel;
  if (given(ch)) {
    if (given(query.collection) || given(query.user)) throw badRequest('Filter by a collection, a user or a channel, one at a time.', 'channel');
    const parsed = channelSchema.safeParse(ch);
    if (!parsed.success) throw badRequest(unknownChannelMessage(ch), 'channel');
    return channelScope(parsed.data);
  }
  const u = query.user;
  if (!given(u)) return analyticsCollection(collections, query.collection)?.id;
  if (given(query.collection)) throw badRequest('Filter by a collection or by a user, not both at once.', 'user');
  if (typeof u !== 'string') throw badRequest('Name one user in "user" (their name or id).', 'user');
  if (!users) throw notFound('There are no user accounts to filter by: add users with `npm run users -- add NAME`.');
  const known = users();
  if (!known) throw new HttpError(403, 'Only admins can see analytics by user.');
  const found = known.find((x) => x.id === u) ?? known.find((x) => x.name.toLowerCase() === u.toLowerCase());
  if (!found) throw notFound(`No user "${u.slice(0, 80)}". \`npm run users -- list\` shows who there is.`);
  return userScope(found.id);
}

/** The file name part of a scope: the collection id, `channel-<channel>`, or `user-<name>` kept to safe characters. */
function scopeSuffix(scope: string | undefined, users: AnalyticsUsers | undefined): string {
  if (scope === undefined) return '';
  const channel = channelOfScope(scope);
  if (channel !== undefined) return `-channel-${channel}`;
  const user = userOfScope(scope);
  if (user === undefined) return `-${scope}`;
  const name = users?.()?.find((x) => x.id === user)?.name ?? user;
  return `-user-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export function analyticsRoutes(services: WebServices, users?: AnalyticsUsers): Router {
  const router = Router();

  router.get('/api/analytics/answers.csv', async (req, res) => {
    const range = parseRange(req.query.range);
    const scope = analyticsScope(services.collections, users, req.query);
    // The first page is read before the headers go out: analytics being down is still a 503.
    const pages = await started(services.analytics.exportAnswers(range, scope));
    const names = new Map(services.collections.list().map((c) => [c.id, c.name]));
    // Only admins get here (the export is theirs, ../auth/scoped-services.ts), and they see every user.
    const userNames = new Map((users?.() ?? []).map((u) => [u.id, u.name]));
    res
      .type('text/csv; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="docent-answers-${range}${scopeSuffix(scope, users)}.csv"`)
      .set('Cache-Control', 'no-store');
    await streamText(res, csvChunks(pages, { collection: (id) => names.get(id) ?? id, user: (id) => userNames.get(id) ?? id }));
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
