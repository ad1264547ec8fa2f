/**
 * Actions on many documents at once (the Documents page's selection), JSON in and out:
 *   POST /api/documents/bulk-delete {ids}                    -> 202 {results, done, failed}
 *   POST /api/documents/bulk-move {ids, collection, from?}   -> 200 {results, done, failed}
 * `ids`: 1..MAX_BULK_IDS document ids (more, or anything else, is a 400; repeats count once).
 * Each id is handled as its single-document route does (DELETE /api/documents/:id,
 * POST /api/documents/:id/move) and reported on its own, in the order given:
 *   {id, ok: true, name, status}  or  {id, ok: true, collections: [{id, name}]}  or  {id, ok: false, error}
 * so one unknown or refused id does not fail the batch. An unknown target `collection` refuses the
 * whole batch (404 naming it) before anything moves.
 */
import { Router } from 'express';
import { AppError, errorMessage, NotFoundError } from '../../errors.ts';
import { badRequest } from '../http-error.ts';
import type { WebServices } from '../services.ts';

/** Most ids one bulk request may name. */
export const MAX_BULK_IDS = 1000;

type Result = { id: string; ok: true } & Record<string, unknown>;
type Failure = { id: string; ok: false; error: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseIds(body: unknown, what: string): string[] {
  const ids = isRecord(body) ? body.ids : undefined;
  if (!Array.isArray(ids)) throw badRequest(`Send a JSON object with "ids": the documents to ${what}.`, 'ids');
  if (ids.length === 0) throw badRequest('"ids" is empty: select at least one document.', 'ids');
  if (ids.length > MAX_BULK_IDS) throw badRequest(`Too many ids: ${ids.length}; at most ${MAX_BULK_IDS} per request. Send them in several requests.`, 'ids');
  if (ids.some((id) => typeof id !== 'string' || id === '' || id.length > 200)) throw badRequest('Every id in "ids" must be a document id (text, 1-200 characters).', 'ids');
  return [...new Set(ids as string[])];
}

/** Runs `each` for every id; domain errors (unknown, being deleted, ...) become that id's failure. */
async function perId(ids: string[], each: (id: string) => Promise<Result>): Promise<{ results: Array<Result | Failure>; done: number; failed: number }> {
  const results: Array<Result | Failure> = [];
  for (const id of ids) {
    try {
      results.push(await each(id));
    } catch (err) {
      if (!(err instanceof AppError)) throw err; // a bug, not a refusal: the error middleware reports it
      results.push({ id, ok: false, error: errorMessage(err) });
    }
  }
  const done = results.filter((r) => r.ok).length;
  return { results, done, failed: results.length - done };
}

const missing = (id: string) => new NotFoundError(`No document with id "${id}".`);

export function documentBulkApi(services: WebServices): Router {
  const router = Router();
  const { documents, collections } = services;

  router.post('/api/documents/bulk-delete', async (req, res) => {
    const ids = parseIds(req.body, 'delete');
    const reply = await perId(ids, async (id) => {
      const doc = await documents.delete(id);
      if (!doc) throw missing(id);
      return { id, ok: true, name: doc.name, status: doc.status };
    });
    // 202: each leaves the list when the ingest worker has removed it from the index.
    res.status(202).json(reply);
  });

  router.post('/api/documents/bulk-move', async (req, res) => {
    const ids = parseIds(req.body, 'move');
    const b = req.body as Record<string, unknown>;
    if (typeof b.collection !== 'string' || b.collection.trim() === '') {
      throw badRequest('"collection" is required: the id or name of the collection to move the documents to.', 'collection');
    }
    if (b.from !== undefined && b.from !== null && (typeof b.from !== 'string' || b.from.trim() === '')) {
      throw badRequest('"from" must be the id or name of a collection.', 'from');
    }
    const to = collections.get(b.collection).id; // unknown: 404 naming it, nothing moved
    const from = typeof b.from === 'string' ? collections.get(b.from).id : undefined;
    const names = new Map(collections.list().map((c) => [c.id, c.name]));
    const reply = await perId(ids, async (id) => {
      const moved = await collections.moveDocument(id, { to, from });
      return { id, ok: true, collections: moved.collections.map((c) => ({ id: c, name: names.get(c) ?? c })) };
    });
    res.json(reply);
  });

  return router;
}
