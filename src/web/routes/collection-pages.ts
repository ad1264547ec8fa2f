/**
 * The Collections page and the htmx requests it sends (the JSON API is collections.ts):
 *   GET    /collections            -> the page
 *   GET    /collections/list       -> the list fragment
 *   POST   /collections {name, description}      -> "Created …" (+ HX-Trigger collections-changed)
 *   PATCH  /collections/:id {name, description}  -> "Saved …"
 *   DELETE /collections/:id        -> "Deleted …, n documents deleted, m kept"
 *   POST   /collections/:id/reindex -> "Re-indexing … (n documents)": rebuilds that collection's index alone
 * The forms are urlencoded (htmx's default), parsed here only; the cross-site guard has already
 * checked the page's token. Bad input is the collection service's 400/404, which the error
 * middleware answers as an alert fragment the page swaps into its result area.
 */
import express, { Router, type Response } from 'express';
import { collectionList, collectionResult, collectionsPage, type DeletionCount } from '../../../templates/collections.ts';
import type { DocumentView } from '../../ports/document-service.ts';
import type { SafeHtml } from '../html.ts';
import { notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

/** Per collection: its documents in no other collection (deleted with it) and the others (kept). */
export function deletionCounts(docs: readonly DocumentView[]): Map<string, DeletionCount> {
  const counts = new Map<string, DeletionCount>();
  for (const d of docs) {
    const ids = d.collections ?? [];
    for (const id of ids) {
      const c = counts.get(id) ?? { deleted: 0, kept: 0 };
      if (ids.length === 1) c.deleted++;
      else c.kept++;
      counts.set(id, c);
    }
  }
  return counts;
}

/** A form field as text, or undefined when the form left it out. */
const field = (body: unknown, name: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined);

export function collectionPages(services: WebServices): Router {
  const router = Router();
  const { collections } = services;
  const listArgs = () => [collections.list(), deletionCounts(services.documents.list())] as const;
  const changed = (res: Response, message: string): void => {
    res.setHeader('HX-Trigger', 'collections-changed');
    send(res, collectionResult(message));
  };
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 });

  router.get('/collections', (_req, res) => send(res, collectionsPage(...listArgs())));
  router.get('/collections/list', (_req, res) => send(res, collectionList(...listArgs())));

  router.post('/collections', form, (req, res) => {
    const c = collections.create({ name: field(req.body, 'name'), description: field(req.body, 'description') });
    changed(res, `Created the collection "${c.name}".`);
  });

  router.patch('/collections/:id', form, (req, res) => {
    const c = collections.update(req.params.id, { name: field(req.body, 'name'), description: field(req.body, 'description') });
    changed(res, `Saved the collection "${c.name}".`);
  });

  router.delete('/collections/:id', async (req, res) => {
    const { collection, documentsDeleted, documentsKept } = await collections.delete(req.params.id);
    const kept = documentsKept > 0 ? `; ${documentsKept} also in other collections stay there` : '';
    changed(res, `Deleted the collection "${collection.name}": ${documentsDeleted} document${documentsDeleted === 1 ? '' : 's'} deleted with it${kept}.`);
  });

  router.post('/collections/:id/reindex', async (req, res) => {
    const c = collections.get(req.params.id);
    if (!services.documents.reindex) throw notFound('This service cannot re-index.');
    const docs = await services.documents.reindex({ collectionId: c.id });
    // Not collections-changed: names and counts stay; the Documents page shows the progress.
    send(res, collectionResult(`Re-indexing the collection "${c.name}": ${docs.length} document${docs.length === 1 ? '' : 's'} queued; the other collections are not touched. Progress is on the Documents page.`));
  });

  return router;
}
