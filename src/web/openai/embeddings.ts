/**
 * POST /v1/embeddings: OpenAI's embeddings request over Docent's embedding model (the one its index
 * and search use; vectors are L2-normalised, embedded as documents, without the query prefix).
 *   input: a string or an array of strings, at most MAX_EMBEDDING_INPUTS of them, each non-empty
 *          and at most MAX_EMBEDDING_INPUT_CHARS characters (the model reads at most its own token
 *          limit of each; the rest is cut as in ingestion); token arrays are refused.
 *   model: any id of GET /v1/models or the embedding model's name (the same model answers all).
 *   encoding_format: "float" (default) or "base64" (little-endian float32, as OpenAI sends it).
 *   dimensions: refused unless it is the model's own.
 * usage.prompt_tokens counts the tokens the model read.
 *
 * One client has at most MAX_EMBEDDING_REQUESTS_PER_CLIENT requests being embedded at once (429 +
 * Retry-After past it): the model embeds one text at a time for every user of the process,
 * questions included, so no client may queue unbounded work in front of them.
 */
import { Router } from 'express';
import type { Embedder } from '../../ports/embedder.ts';
import type { WebServices } from '../services.ts';
import { PerClientLimit, takePlace } from '../client-limits.ts';
import { HttpError } from '../http-error.ts';
import { invalidParam } from './openai-errors.ts';
import { collectionsOfModel } from './models.ts';

export const MAX_EMBEDDING_INPUTS = 64;
export const MAX_EMBEDDING_INPUT_CHARS = 8000;
export const MAX_EMBEDDING_REQUESTS_PER_CLIENT = 2;

function inputs(value: unknown): string[] {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (!(typeof value === 'string' || Array.isArray(value))) throw invalidParam('input must be a string or an array of strings.', 'input');
  if (list.length === 0) throw invalidParam('input is empty: send a string or a non-empty array of strings.', 'input');
  if (list.length > MAX_EMBEDDING_INPUTS) {
    throw invalidParam(`input has ${list.length} texts; the limit is ${MAX_EMBEDDING_INPUTS} per request (LangChain's OpenAIEmbeddings: set batchSize: ${MAX_EMBEDDING_INPUTS}).`, 'input');
  }
  return list.map((t, i) => {
    const param = typeof value === 'string' ? 'input' : `input[${i}]`;
    if (typeof t !== 'string') throw invalidParam(`${param} must be a string (token arrays are not accepted: Docent tokenises with its own model).`, param);
    if (t.trim() === '') throw invalidParam(`${param} is empty.`, param);
    if (t.length > MAX_EMBEDDING_INPUT_CHARS) throw invalidParam(`${param} is too long: ${t.length} characters, the limit is ${MAX_EMBEDDING_INPUT_CHARS}.`, param);
    return t;
  });
}

/** Little-endian float32 bytes of `v`, base64 (OpenAI's encoding_format "base64"). */
export function base64Vector(v: readonly number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

function embedderOf(services: WebServices): Pick<Embedder, 'modelName' | 'dimensions' | 'embedDocuments' | 'countTokens'> {
  if (!services.embedder) throw new HttpError(501, 'This Docent web process has no embedding model loaded, so /v1/embeddings is not available here.');
  return services.embedder;
}

export function embeddings(services: WebServices): Router {
  const router = Router();
  const inFlight = new PerClientLimit(MAX_EMBEDDING_REQUESTS_PER_CLIENT);
  router.post('/v1/embeddings', async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidParam('Send a JSON object with "model" and "input".', null);
    const { model, input, encoding_format: format, dimensions } = body as Record<string, unknown>;
    const embedder = embedderOf(services);
    if (typeof model !== 'string' || model === '') throw invalidParam('model is required: "docent" or any id of GET /v1/models.', 'model');
    collectionsOfModel(model, services.collections, [embedder.modelName]);
    if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') throw invalidParam('encoding_format must be "float" or "base64".', 'encoding_format');
    if (dimensions !== undefined && dimensions !== null && dimensions !== embedder.dimensions) {
      throw invalidParam(`dimensions must be ${embedder.dimensions} (the embedding model's own); shortened vectors are not supported.`, 'dimensions');
    }
    const texts = inputs(input);
    const release = takePlace(inFlight, req, res, `You have ${MAX_EMBEDDING_REQUESTS_PER_CLIENT} embedding requests being answered already; wait for one to finish, then send the next.`, 2);
    try {
      const [vectors, tokens] = await Promise.all([embedder.embedDocuments(texts), embedder.countTokens?.(texts) ?? Promise.resolve(0)]);
      res.json({
        object: 'list',
        data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? base64Vector(v) : v })),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    } finally {
      release();
    }
  });
  return router;
}
