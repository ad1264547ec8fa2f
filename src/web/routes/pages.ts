/**
 * Server-rendered pages and the htmx fragments they reload (the Ask page and chats are in
 * chat-routes.ts): Documents, Analytics (+ panel fragment). The Documents page shows one page of
 * the library, chosen by the query of GET /api/documents (document-query.ts):
 *   GET /documents?q=&status=&collection=&sort=&order=&cursor=  the page
 *   GET /documents/list?…   the list fragment (filters, sorting; first page unless a cursor is given)
 *   GET /documents/rows?…&cursor=  the next page's rows ("Load more"); its cursor in `Docent-Next`
 *   GET /documents/:id/row  one row (a new upload or a finished ingest shown live); 404 when gone
 * plus the htmx upload post and the row delete.
 */
import { Router, type RequestHandler, type Response } from 'express';
import type { Config } from '../../config.ts';
import type { WebServices } from '../services.ts';
import { receiveUpload } from '../upload.ts';
import { parseRange } from '../validate.ts';
import { documentList, documentRow, documentRows, type DocumentListView } from '../../../templates/document-list.ts';
import { documentsPage, uploadResult } from '../../../templates/documents.ts';
import { parseDocumentQuery } from '../document-query.ts';
import { notFound } from '../http-error.ts';
import { analyticsPage, analyticsPanel } from '../../../templates/analytics.ts';
import type { SafeHtml } from '../html.ts';
import { analyticsScope } from './analytics.ts';
import type { AnalyticsUsers } from '../auth/analytics-users.ts';
import { uploadCollection } from './collections.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

export function pages(services: WebServices, config: Config, upload: RequestHandler, users?: AnalyticsUsers): Router {
  const router = Router();
  const maxUploadBytes = config.web.maxUploadBytes;

  const names = () => new Map(services.collections.list().map((c) => [c.id, c.name]));
  const listView = (query: Record<string, unknown>): DocumentListView => {
    const q = parseDocumentQuery(query, services.collections);
    const collections = services.collections.list();
    // Upload and move targets: only where the user may write (the rest would be refused).
    const access = services.access?.();
    return { page: services.documents.page(q), query: q, collections, ...(access ? { writable: collections.filter((c) => access.may('write', c.id)) } : {}) };
  };
  router.get('/documents', (req, res) => send(res, documentsPage(listView(req.query), maxUploadBytes, services.webPages !== undefined)));
  router.get('/documents/list', (req, res) => send(res, documentList(listView(req.query))));
  router.get('/documents/rows', (req, res) => {
    const { page, collections } = listView(req.query);
    if (page.next) res.setHeader('Docent-Next', page.next);
    send(res, documentRows(page.documents, new Map(collections.map((c) => [c.id, c.name]))));
  });
  router.get('/documents/:id/row', (req, res) => {
    const doc = services.documents.get(req.params.id);
    if (!doc) throw notFound('That document is no longer in the library.');
    send(res, documentRow(doc, names()));
  });
  // ?collection= as for POST /api/documents (upload-drop.js uploads there; this is the fallback).
  router.post('/documents', uploadCollection(services.collections, services.access), upload, async (req, res) => {
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

  // ?collection= (id or name): only the answers asked over that collection or citing it; or
  // ?user= (admins): only the answers that user asked.
  const summary = (q: Record<string, unknown>) => services.analytics.summary(parseRange(q.range), analyticsScope(services.collections, users, q));
  router.get('/analytics', async (req, res) => send(res, analyticsPage(await summary(req.query), services.collections.list(), users?.() ?? [])));
  router.get('/analytics/panel', async (req, res) => send(res, analyticsPanel(await summary(req.query))));

  return router;
}
