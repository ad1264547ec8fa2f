/**
 * The OpenAI-compatible API's models: `docent` asks over every collection, `docent:<collection>`
 * (its name as listed, or its id) over that one collection. GET /v1/models lists them in OpenAI's
 * shape; a request naming another model is a 404 `model_not_found` naming the listed ones.
 */
import { NotFoundError } from '../../errors.ts';
import type { CollectionService } from '../../ports/collection-service.ts';
import { HttpError } from '../http-error.ts';

export const BASE_MODEL = 'docent';
const PREFIX = `${BASE_MODEL}:`;

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: 'docent';
  /** Extension: the collection this model asks over (absent for `docent`: all of them). */
  collection?: { id: string; name: string; description: string };
}

export function listModels(collections: CollectionService, startedAt: number): { object: 'list'; data: ModelEntry[] } {
  const data: ModelEntry[] = [{ id: BASE_MODEL, object: 'model', created: Math.floor(startedAt / 1000), owned_by: 'docent' }];
  for (const c of collections.list()) {
    data.push({ id: PREFIX + c.name, object: 'model', created: Math.floor(c.createdAt / 1000), owned_by: 'docent', collection: { id: c.id, name: c.name, description: c.description } });
  }
  return { object: 'list', data };
}

/**
 * The collection ids a model asks over ([] = all). `extra` names are accepted as meaning all too
 * (the embeddings route passes the embedder's name). Throws a 404 in OpenAI's terms otherwise.
 */
export function collectionsOfModel(model: string, collections: CollectionService, extra: readonly string[] = []): string[] {
  if (model === BASE_MODEL || extra.includes(model)) return [];
  if (model.startsWith(PREFIX)) {
    try {
      return [collections.get(model.slice(PREFIX.length)).id];
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const known = [BASE_MODEL, ...extra, ...collections.list().map((c) => PREFIX + c.name)];
  throw new HttpError(404, `The model "${model}" does not exist. Use one of: ${known.map((k) => `"${k}"`).join(', ')} (GET /v1/models lists them).`, { field: 'model', code: 'model_not_found' });
}
