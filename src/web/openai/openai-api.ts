/**
 * The OpenAI-compatible API, for programs that speak OpenAI's protocol (the `openai` client,
 * LangChain's ChatOpenAI / OpenAIEmbeddings, chat apps): base URL `<docent>/v1`.
 *   GET  /v1/models             docent, docent:<collection> (./models.ts)
 *   GET  /v1/models/:id         one of them
 *   POST /v1/chat/completions   grounded answers with [n] citations and `sources` (./chat-completions.ts)
 *   POST /v1/embeddings         the embedding model (./embeddings.ts)
 * Errors are in OpenAI's shape (./openai-errors.ts). With sign-in on, the client's API key is a
 * personal API token (`Authorization: Bearer`), and the models listed and answered are the
 * collections that user may read; with sign-in off any key (clients insist on one) works.
 */
import { Router } from 'express';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { QuestionGate } from '../question-gate.ts';
import type { WebServices } from '../services.ts';
import { chatCompletions } from './chat-completions.ts';
import { embeddings } from './embeddings.ts';
import { BASE_MODEL, collectionsOfModel, listModels } from './models.ts';

/**
 * Largest /v1 request body (bytes): OpenAI clients send the whole conversation every time (only
 * its last turns are used), and a full embeddings request is 64 texts of 8000 characters; both
 * outgrow the JSON limit of Docent's own API.
 */
export const OPENAI_BODY_LIMIT = 4 * 1024 * 1024;

export function openAiApi(services: WebServices, config: Config, log: Logger, gate: QuestionGate): Router {
  const router = Router();
  const startedAt = Date.now();
  router.get('/v1/models', (_req, res) => {
    res.json(listModels(services.collections, startedAt));
  });
  router.get('/v1/models/:id', (req, res) => {
    const ids = collectionsOfModel(req.params.id, services.collections);
    const { data } = listModels(services.collections, startedAt);
    res.json(data.find((m) => (ids.length === 0 ? m.id === BASE_MODEL : m.collection?.id === ids[0])));
  });
  router.use(chatCompletions(services, config, log, gate));
  router.use(embeddings(services));
  return router;
}
