/**
 * The collections JSON API: list, create, read, rename/describe and delete collections, and move a
 * document between them. Wherever a collection is named (path, body) its id or its name is
 * accepted; an unknown one is a 404 naming it, an empty or duplicate name a 400 (the collection
 * service's NotFoundError / InvalidInputError, mapped by the error middleware).
 *
 *   GET    /api/collections                 -> {collections: CollectionView[]}
 *   POST   /api/collections {name, description?} -> 201 CollectionView
 *   GET    /api/collections/:idOrName       -> CollectionView
 *   PATCH  /api/collections/:idOrName {name?, description?} -> CollectionView
 *   DELETE /api/collections/:idOrName       -> 202 {id, name, documentsDeleted, documentsKept}
 *   POST   /api/collections/:idOrName/reindex -> 202 {id, name, documents: [{id, name, status}]}: rebuilds
 *                                             this collection's index alone (POST /api/index/reindex: all)
 *   POST   /api/documents/:id/move {to, from?} -> {id, collections: [{id, name}]}
 */
import { Router, type RequestHandler } from 'express';
import { GENERAL_COLLECTION_ID } from '../../contracts/collection.ts';
import type { CollectionService } from '../../ports/collection-service.ts';
import { requireWrite, type AccessLookup } from '../auth/access-checks.ts';
import { badRequest, notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function body(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw badRequest(`Send a JSON object with ${what}.`);
  return value;
}

function optionalName(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`"${field}" must be the id or name of a collection.`, field);
  return value;
}

/**
 * Resolves `?collection=` (id or name) of an upload before its body is read: an unknown one (or
 * one the user may not read) is a 404, one they may only read a 403, and nothing is received. The
 * id goes to the handler in res.locals.collectionId.
 */
export function uploadCollection(collections: CollectionService, access?: AccessLookup): RequestHandler {
  return (req, res, next) => {
    const q = req.query.collection;
    const rights = access?.();
    if (q === undefined || q === '') {
      if (rights) requireWrite(rights, collections.get(GENERAL_COLLECTION_ID));
      return next();
    }
    if (typeof q !== 'string') throw badRequest('Name one collection in "collection".', 'collection');
    const c = collections.get(q);
    requireWrite(rights, c, q);
    res.locals.collectionId = c.id;
    next();
  };
}

export function collectionsApi(services: WebServices): Router {
  const router = Router();
  const { collections } = services;

  router.get('/api/collections', (_req, res) => {
    res.json({ collections: collections.list() });
  });

  router.post('/api/collections', (req, res) => {
    const b = body(req.body, '"name" and optionally "description"');
    res.status(201).json(collections.create({ name: b.name, description: b.description }));
  });

  router.get('/api/collections/:idOrName', (req, res) => {
    res.json(collections.get(req.params.idOrName));
  });

  router.patch('/api/collections/:idOrName', (req, res) => {
    const b = body(req.body, '"name" and/or "description"');
    res.json(collections.update(req.params.idOrName, { name: b.name, description: b.description }));
  });

  router.delete('/api/collections/:idOrName', async (req, res) => {
    const { collection, documentsDeleted, documentsKept } = await collections.delete(req.params.idOrName);
    // 202: the ingest worker removes the passages from the indexes; deleted documents leave the list when that is done.
    res.status(202).json({ id: collection.id, name: collection.name, documentsDeleted, documentsKept });
  });

  router.post('/api/collections/:idOrName/reindex', async (req, res) => {
    const c = collections.get(req.params.idOrName);
    if (!services.documents.reindex) throw notFound('This service cannot re-index.');
    const documents = await services.documents.reindex({ collectionId: c.id });
    // 202: the ingest worker rebuilds the index; each document shows `ready` again when it is back in it.
    res.status(202).json({ id: c.id, name: c.name, documents: documents.map(({ id, name, status }) => ({ id, name, status })) });
  });

  router.post('/api/documents/:id/move', async (req, res) => {
    const b = body(req.body, '"to" (the collection to move it to)');
    const to = optionalName(b.to, 'to');
    if (to === undefined) throw badRequest('"to" is required: the id or name of the collection to move the document to.', 'to');
    const moved = await collections.moveDocument(req.params.id, { to, from: optionalName(b.from, 'from') });
    const all = new Map(collections.list().map((c) => [c.id, c.name]));
    res.json({ id: moved.id, collections: moved.collections.map((id) => ({ id, name: all.get(id) ?? id })) });
  });

  return router;
}
