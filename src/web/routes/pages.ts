/**
 * Server-rendered pages and the htmx fragments they reload (the Ask page and chats are in
 * chat-routes.ts): Documents (+ list fragment, the
 * htmx upload post and the row delete), Analytics (+ panel fragment).
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { WebServices } from '../services.ts';
import { receiveUpload } from '../upload.ts';
import { parseRange } from '../validate.ts';
import { documentList, documentRow, documentsPage, uploadResult } from '../../../templates/documents.ts';
import { notFound } from '../http-error.ts';
import { analyticsPage, analyticsPanel } from '../../../templates/analytics.ts';
import type { SafeHtml } from '../html.ts';
import { analyticsCollection } from './analytics.ts';
import { uploadCollection } from './collections.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

export function pages(services: WebServices, config: Config, upload: RequestHandler): Router {
  const router = Router();
  const maxUploadBytes = config.web.maxUploadBytes;

  const names = () => new Map(services.collections.list().map((c) => [c.id, c.name]));
  router.get('/documents', (_req, res) => send(res, documentsPage(services.documents.list(), maxUploadBytes, services.collections.list())));
  router.get('/documents/list', (_req, res) => send(res, documentList(services.documents.list(), names())));
  // ?collection= as for POST /api/documents (upload-drop.js uploads there; this is the fallback).
  router.post('/documents', uploadCollection(services.collections), upload, async (req, res) => {
    const results = await receiveUpload(req, services.documents, res.locals.collectionId as string | undefined);
    if (req.get('HX-Request') !== 'true') {
      res.redirect(303, '/documents');
      return;
    }
    // Tells the list fragment to reload now (it listens for documents-changed).
    res.setHeader('HX-Trigger', 'documents-changed');
    send(res, uploadResult(results));
  });

  // The row's delete button (htmx): answers with the row in its `deleting` state.
  router.delete('/documents/:id', async (req, res) => {
    const doc = await services.documents.delete(req.params.id);
    if (!doc) throw notFound('That document is no longer in the library.');
    send(res, documentRow(doc, names()));
  });

  // ?collection= (id or name): only the answers asked over that collection or citing it.
  const summary = (q: Record<string, unknown>) => services.analytics.summary(parseRange(q.range), analyticsCollection(services.collections, q.collection)?.id);
  router.get('/analytics', async (req, res) => send(res, analyticsPage(await summary(req.query), services.collections.list())));
  router.get('/analytics/panel', async (req, res) => send(res, analyticsPanel(await summary(req.query))));

  return router;
}
