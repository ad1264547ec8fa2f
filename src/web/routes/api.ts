/**
 * The JSON API besides /api/ask and collections (collections.ts): documents (upload, optionally into
 * `?collection=`, list a page, one, its text, delete, live events; bulk actions are document-bulk.ts), search (optionally in `?collections=a,b`), votes, analytics summary
 * (optionally of one `?collection=`, or one `?user=` for admins), and the health probes. Errors go to the error middleware, which answers `{error, field?}`.
 */
import { Router, type RequestHandler } from 'express';
import type { Config } from '../../config.ts';
import { placeOf } from '../../contracts/location.ts';
import { PerClientLimit, takePlace } from '../client-limits.ts';
import { parseEventIds, streamDocumentEvents } from '../document-events.ts';
import { parseDocumentQuery } from '../document-query.ts';
import { notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { chatOwners, type ChatOwners } from '../auth/chat-owner.ts';
import { receiveUpload } from '../upload.ts';
import { MAX_TEXT_CHARS, readDocumentText } from '../document-text.ts';
import { parseCollectionNames, parseK, parseMaxChars, parseQuery, parseRange, parseVote } from '../validate.ts';
import { analyticsScope } from './analytics.ts';
import type { AnalyticsUsers } from '../auth/analytics-users.ts';
import { uploadCollection } from './collections.ts';

export function jsonApi(services: WebServices, config: Config, upload: RequestHandler, owners: ChatOwners = chatOwners(), users?: AnalyticsUsers): Router {
  const router = Router();

  // ?collection= (id or name; default General), checked before the body is read.
  router.post('/api/documents', uploadCollection(services.collections, services.access), upload, async (req, res) => {
    const documents = await receiveUpload(req, services.documents, res.locals.collectionId as string | undefined);
    res.status(202).json({ documents: documents.map(({ id, name, status, duplicate }) => ({ id, name, status, duplicate })) });
  });

  // One page (document-query.ts): ?limit=&cursor=&q=&status=&collection=&sort=&order= -> {documents, next, total}.
  router.get('/api/documents', (req, res) => {
    res.json(services.documents.page(parseDocumentQuery(req.query, services.collections)));
  });

  const streams = new PerClientLimit(config.limits.eventStreamsPerClient);
  router.get('/api/documents/events', (req, res) => {
    const ids = parseEventIds(req.query.ids);
    const max = config.limits.eventStreamsPerClient;
    // Given back when the stream closes.
    takePlace(streams, req, res, `Too many open event streams from your address: at most ${max} (MAX_EVENT_STREAMS_PER_CLIENT=${max}); close other Docent tabs.`);
    streamDocumentEvents(req, res, services.documents, ids);
  });

  router.get('/api/documents/:id', (req, res) => {
    const doc = services.documents.get(req.params.id);
    if (!doc) throw notFound(`No document with id "${req.params.id}". List them with GET /api/documents.`);
    res.json(doc);
  });

  // The extracted text of a ready document, at most ?maxChars= (default and most MAX_TEXT_CHARS).
  router.get('/api/documents/:id/text', async (req, res) => {
    res.json(await readDocumentText(services, req.params.id, parseMaxChars(req.query.maxChars, MAX_TEXT_CHARS)));
  });

  router.delete('/api/documents/:id', async (req, res) => {
    const doc = await services.documents.delete(req.params.id);
    if (!doc) throw notFound(`No document with id "${req.params.id}". List them with GET /api/documents.`);
    // 202: the ingest worker removes it from the index; it leaves GET /api/documents when that is done.
    res.status(202).json({ id: doc.id, name: doc.name, status: doc.status });
  });

  // `npm run ingest -- --reindex`: rebuild the index with the configured embedding model.
  router.post('/api/index/reindex', async (_req, res) => {
    if (!services.documents.reindex) throw notFound('This service cannot re-index.');
    const documents = await services.documents.reindex();
    res.status(202).json({ documents: documents.map(({ id, name, status }) => ({ id, name, status })) });
  });

  router.get('/api/search', async (req, res) => {
    const q = parseQuery(req.query.q);
    const k = parseK(req.query.k);
    const chosen = services.collections.resolve(parseCollectionNames(req.query.collections));
    const hits = await services.search.search(q, k, chosen.map((c) => c.id));
    const names = new Map(services.collections.list().map((c) => [c.id, c.name]));
    res.json({
      // score: per SEARCH_MODE (docs/using.md "Search modes"); similarity (cosine) and lexicalScore (BM25) when known.
      results: hits.map(({ documentId, documentName, page, text, score, similarity, lexicalScore, chunkId, start, end, headingPath, collectionId, ocr, location }) => {
        const collection = collectionId === undefined ? null : { id: collectionId, name: names.get(collectionId) ?? collectionId };
        return { documentId, documentName, page, location: placeOf({ page, location }).location, text, score, similarity: similarity ?? null, lexicalScore: lexicalScore ?? null, chunkId, start, end, headingPath: headingPath ?? null, collection, ...(ocr ? { ocr: true } : {}) };
      }),
    });
  });

  // With sign-in on, only an answer in one of the voter's own chats: another's (or an answer kept in
  // no chat) is a 404, as for an answer that does not exist. With sign-in off, any answer id.
  router.post('/api/votes', async (req, res) => {
    const { answerId, vote } = parseVote(req.body);
    const scope = owners.scope();
    if (scope && !services.chats.findAnswer(answerId, scope)) throw notFound(`No answer with id "${answerId}" in your chats. It may have been deleted with its chat.`);
    await services.votes.vote(answerId, vote, owners.userId() ?? undefined);
    res.status(202).json({ ok: true });
  });

  router.get('/api/analytics/summary', async (req, res) => {
    res.json(await services.analytics.summary(parseRange(req.query.range), analyticsScope(services.collections, users, req.query)));
  });

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const checks = await services.readiness.check();
    const ready = Object.values(checks).every((v) => v === 'ok');
    const degraded = Object.fromEntries(Object.entries(services.readiness.degraded?.() ?? {}).filter(([, v]) => v !== 'ok'));
    const body = { status: ready ? 'ready' : 'not ready', checks, ...(Object.keys(degraded).length > 0 ? { degraded } : {}) };
    res.status(ready ? 200 : 503).json(body);
  });

  return router;
}
