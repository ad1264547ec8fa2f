/**
 * HTTP face of the separate analytics process (`npm run analytics`):
 *   GET /api/analytics/summary?range=hour|day|week|all  -> AnalyticsSummary (JSON; range defaults to day)
 *   Every list and summary also takes `&collection=<id>`: only the answers asked over that collection
 *   or citing it (ids only: the web resolves names; an id with no answers gives empty results), or
 *   `&user=<internal user id>`: only the answers that user asked, or `&channel=web|api|openai|mcp`:
 *   only the answers that came through that channel (before channels: web). One at a time (400);
 *   an unknown channel is a 400 listing the channels.
 *   GET /api/analytics/answers/:id                      -> AnalyticsAnswer, 404 `{error}` when not stored
 *   GET /api/analytics/answers?range=...&limit=N        -> {answers: AnalyticsAnswerRow[]} newest first (limit 1..100000, default 10000)
 *   GET /api/analytics/answers.ndjson?range=...         -> every answer of the range, newest first, one
 *                                                          AnalyticsAnswerRow JSON per line, streamed (./stream-out.ts)
 *   GET /api/analytics/quality?range=...&minSimilarity=0..1&page=N -> AnalyticsQualityData (contracts/analytics-quality.ts):
 *                                                          knowledge gaps, citations per document, down-voted answers (a page)
 *   GET /healthz                                        -> {status: 'ok'} or 503 when the store cannot be read
 * A bad range is a 400 `{error}` naming the allowed values; a store failure is a 500 `{error}`; a
 * Host not in ALLOWED_HOSTS is a 421 `{error}`.
 * The web reads this through ./http-reader.ts.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { parseQualityQuery } from '../contracts/analytics-quality.ts';
import { ANALYTICS_RANGES, type AnalyticsAnswerRow, type AnalyticsRange } from '../contracts/analytics-summary.ts';
import { collectionIdSchema } from '../contracts/collection.ts';
import { channelScope, unknownChannelMessage, userScope } from '../contracts/analytics-scope.ts';
import { channelSchema } from '../contracts/channel.ts';
import { userIdSchema } from '../contracts/user-id.ts';
import { errorMessage } from '../errors.ts';
import { foreignHostMessage, hostAllowed, hostName } from '../shared/host-names.ts';
import { logger } from '../log.ts';
import { createLocalAnalyticsReader } from './local-reader.ts';
import type { AnalyticsStore } from './store.ts';
import { started, streamText } from './stream-out.ts';

const DEFAULT_RANGE: AnalyticsRange = 'day';
/** Rows in one export unless asked otherwise, and the most one request may ask for. */
export const EXPORT_LIMIT = 10_000;
export const MAX_EXPORT_LIMIT = 100_000;

function isRange(v: unknown): v is AnalyticsRange {
  return typeof v === 'string' && (ANALYTICS_RANGES as readonly string[]).includes(v);
}

/**
 * `?collection=`, `?user=` or `?channel=` as a scope (contracts/analytics-scope.ts): undefined when
 * none, the scope when well-formed, else a 400 reply sent (null). One at a time (each scope has its
 * own buckets).
 */
function collectionOf(req: Request, res: Response): string | undefined | null {
  const given = (v: unknown): boolean => v !== undefined && v !== '';
  const c = req.query.collection;
  const u = req.query.user;
  const ch = req.query.channel;
  if ([c, u, ch].filter(given).length > 1) {
    res.status(400).json({ error: 'filter by a collection, a user or a channel, one at a time' });
    return null;
  }
  if (given(ch)) {
    const parsed = channelSchema.safeParse(ch);
    if (parsed.success) return channelScope(parsed.data);
    res.status(400).json({ error: unknownChannelMessage(ch) });
    return null;
  }
  if (given(u)) {
    if (typeof u === 'string' && userIdSchema.safeParse(u).success) return userScope(u);
    res.status(400).json({ error: 'user must be one internal user id (letters, digits, _ or -)' });
    return null;
  }
  if (!given(c)) return undefined;
  if (typeof c === 'string' && collectionIdSchema.safeParse(c).success) return c;
  res.status(400).json({ error: 'collection must be one collection id (1-40 lower-case letters, digits or dashes)' });
  return null;
}

export interface AnalyticsHttpOptions {
  /** Host names this API answers to (config ALLOWED_HOSTS); empty or unset = any. */
  allowedHosts?: readonly string[];
}

export function createAnalyticsHttpApp(store: Pick<AnalyticsStore, 'summary' | 'check' | 'answer' | 'answers' | 'answerPages' | 'quality'>, opts: AnalyticsHttpOptions = {}): express.Application {
  const log = logger('analytics-http');
  const app = express();
  app.disable('x-powered-by');

  // Every question and answer is readable here: a DNS-rebinding page must not be.
  app.use((req, res, next) => {
    const name = hostName(req.get('host'));
    if (hostAllowed(name, opts.allowedHosts ?? [])) next();
    else res.status(421).json({ error: foreignHostMessage(name) });
  });

  app.get('/api/analytics/summary', (req, res) => {
    const range = req.query.range ?? DEFAULT_RANGE;
    if (!isRange(range)) {
      res.status(400).json({ error: `range must be one of ${ANALYTICS_RANGES.join(', ')}` });
      return;
    }
    const collection = collectionOf(req, res);
    if (collection === null) return;
    res.set('Cache-Control', 'no-store').json(store.summary(range, undefined, collection));
  });

  app.get('/api/analytics/quality', (req, res) => {
    const range = req.query.range ?? DEFAULT_RANGE;
    if (!isRange(range)) {
      res.status(400).json({ error: `range must be one of ${ANALYTICS_RANGES.join(', ')}` });
      return;
    }
    const parsed = parseQualityQuery(req.query);
    if ('error' in parsed) {
      res.status(400).json({ error: parsed.error });
      return;
    }
    const collection = collectionOf(req, res);
    if (collection === null) return;
    res.set('Cache-Control', 'no-store').json(store.quality(range, parsed.query, undefined, collection));
  });

  app.get('/api/analytics/answers.ndjson', async (req, res) => {
    const range = req.query.range ?? DEFAULT_RANGE;
    if (!isRange(range)) {
      res.status(400).json({ error: `range must be one of ${ANALYTICS_RANGES.join(', ')}` });
      return;
    }
    const collection = collectionOf(req, res);
    if (collection === null) return;
    const pages = await started(createLocalAnalyticsReader(store).exportAnswers(range, collection));
    res.type('application/x-ndjson').set('Cache-Control', 'no-store');
    await streamText(res, ndjson(pages));
  });

  app.get('/api/analytics/answers/:id', (req, res) => {
    const answer = store.answer(req.params.id);
    if (!answer) {
      res.status(404).json({ error: `no answer with id "${req.params.id}" in the analytics store` });
      return;
    }
    res.set('Cache-Control', 'no-store').json(answer);
  });

  app.get('/api/analytics/answers', (req, res) => {
    const range = req.query.range ?? DEFAULT_RANGE;
    const limit = req.query.limit === undefined ? EXPORT_LIMIT : Number(req.query.limit);
    if (!isRange(range)) {
      res.status(400).json({ error: `range must be one of ${ANALYTICS_RANGES.join(', ')}` });
      return;
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORT_LIMIT) {
      res.status(400).json({ error: `limit must be a whole number from 1 to ${MAX_EXPORT_LIMIT}` });
      return;
    }
    const collection = collectionOf(req, res);
    if (collection === null) return;
    res.set('Cache-Control', 'no-store').json({ answers: store.answers(range, limit, undefined, collection) });
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
    // A stream cut short already destroyed the response; its status cannot change any more.
    if (res.headersSent) return;
    res.status(500).json({ error: 'analytics store failed; see the analytics service log' });
  });

  return app;
}

async function* ndjson(pages: AsyncIterable<AnalyticsAnswerRow[]>): AsyncGenerator<string, void, undefined> {
  for await (const page of pages) yield page.map((row) => `${JSON.stringify(row)}\n`).join('');
}
