/**
 * Web pages (src/sources/): add one by its address, refresh one.
 *   POST /api/documents/url           JSON {url, collection?} -> 202 {id, name, status, url, duplicate}
 *   POST /api/documents/:id/refresh   -> 202 {id, name, status, url, unchanged, replaced?}
 *   POST /documents/url               the Documents page's form (htmx: the outcome; plain: redirect)
 *   POST /documents/:id/refresh       the row's Refresh button (htmx: the document's row)
 * A refused fetch answers with the fetcher's message: 413 too large, 504 no answer in time, 502 the
 * site failed (HTTP status, broken connection), 400 otherwise (bad or private address, type).
 */
import express, { Router, type Request, type Response } from 'express';
import { GENERAL_COLLECTION_ID } from '../../contracts/collection.ts';
import { UrlFetchError } from '../../sources/url-fetcher.ts';
import type { WebPageService } from '../../ports/web-pages.ts';
import { requireWrite, noDocument } from '../auth/access-checks.ts';
import { badRequest, HttpError, notFound } from '../http-error.ts';
import { html } from '../html.ts';
import type { WebServices } from '../services.ts';
import { documentRow } from '../../../templates/document-list.ts';
import { refreshResult, webPageResult } from '../../../templates/web-page-form.ts';

const STATUS: Partial<Record<UrlFetchError['reason'], number>> = { too_large: 413, timeout: 504, http_status: 502, network: 502 };

/** A refused fetch as an HTTP answer with the fetcher's message. */
async function fetching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UrlFetchError) throw new HttpError(STATUS[err.reason] ?? 400, err.message, { field: 'url' });
    throw err;
  }
}

export function webPageRoutes(services: WebServices): Router {
  const router = Router();
  const pages = (): WebPageService => {
    if (!services.webPages) throw notFound('This Docent does not fetch web pages.');
    return services.webPages;
  };

  /** The collection named in the body (id or name; default General), checked for the right to add. */
  const collectionOf = (raw: unknown): string | undefined => {
    const rights = services.access?.();
    if (raw === undefined || raw === '') {
      if (rights) requireWrite(rights, services.collections.get(GENERAL_COLLECTION_ID));
      return undefined;
    }
    if (typeof raw !== 'string') throw badRequest('Name one collection in "collection".', 'collection');
    const c = services.collections.get(raw);
    requireWrite(rights, c, raw);
    return c.id;
  };

  const urlOf = (req: Request): string => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.url !== 'string' || body.url.trim() === '') throw badRequest('Give the address of the page in "url", e.g. https://example.org/article.', 'url');
    if (body.url.length > 2000) throw badRequest('That address is longer than 2000 characters.', 'url');
    return body.url;
  };

  const add = async (req: Request) => {
    const url = urlOf(req);
    const collectionId = collectionOf((req.body as Record<string, unknown>).collection);
    return fetching(() => pages().add(url, { collectionId }));
  };

  const refresh = async (req: Request<{ id: string }>) => {
    // Through the (scoped) document service: a document the user may not read is "not found".
    const doc = services.documents.get(req.params.id);
    if (!doc) throw noDocument(req.params.id);
    // Refreshing changes the document for everyone who reads it: the right to add to its collection.
    const rights = services.access?.();
    const home = doc.collections?.[0];
    if (rights && home !== undefined) requireWrite(rights, services.collections.get(home));
    return fetching(() => pages().refresh(req.params.id));
  };

  router.post('/api/documents/url', async (req, res) => {
    res.status(202).json(await add(req));
  });
  router.post('/api/documents/:id/refresh', async (req, res) => {
    res.status(202).json(await refresh(req));
  });

  const send = (res: Response, value: string): void => {
    res.type('html').send(value);
  };
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  router.post('/documents/url', form, async (req, res) => {
    const result = await add(req);
    if (req.get('HX-Request') !== 'true') return res.redirect(303, '/documents');
    res.setHeader('HX-Trigger', 'documents-changed');
    send(res, webPageResult(result).value);
  });
  router.post('/documents/:id/refresh', async (req, res) => {
    const result = await refresh(req);
    if (req.get('HX-Request') !== 'true') return res.redirect(303, '/documents');
    const doc = services.documents.get(result.id);
    const names = new Map(services.collections.list().map((c) => [c.id, c.name]));
    send(res, html`${doc ? documentRow(doc, names) : ''}<tr><td colspan="9">${refreshResult(result)}</td></tr>`.value);
  });
  return router;
}
