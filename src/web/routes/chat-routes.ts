/**
 * Chats and sources, JSON and pages:
 *   GET /api/chats              -> {chats: ChatSummary[]} (most recent first)
 *   GET /api/chats/:id          -> ChatView (turns in order, the chat's last settings)
 *   DELETE /api/chats/:id       -> 204
 *   GET /                       -> the Ask page, a new chat
 *   GET /chats/:id              -> the Ask page continuing that chat
 *   GET /documents/:id/view?chunk=<chunkId> -> the passage highlighted in its document's text
 * Asking and regenerating live in ask-api.ts.
 */
import { Router, type Response } from 'express';
import type { Config } from '../../config.ts';
import { askPage } from '../../../templates/ask.ts';
import { passagePage } from '../../../templates/chat-passage.ts';
import type { SafeHtml } from '../html.ts';
import { badRequest, notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

export function chatRoutes(services: WebServices, config: Config): Router {
  const router = Router();
  const { chats } = services;
  const missing = (id: string) => notFound(`No chat with id "${id}". It may have been deleted; list chats with GET /api/chats.`);

  router.get('/api/chats', (_req, res) => {
    res.json({ chats: chats.list() });
  });

  router.get('/api/chats/:id', (req, res) => {
    const chat = chats.get(req.params.id);
    if (!chat) throw missing(req.params.id);
    res.json(chat);
  });

  router.delete('/api/chats/:id', (req, res) => {
    if (!chats.delete(req.params.id)) throw missing(req.params.id);
    res.status(204).end();
  });

  router.get('/', (_req, res) => send(res, askPage({ maxQuestionChars: config.web.maxQuestionChars, chats: chats.list() })));

  router.get('/chats/:id', (req, res) => {
    const chat = chats.get(req.params.id);
    if (!chat) throw notFound('That chat no longer exists. Start a new one on the Ask page.');
    send(res, askPage({ maxQuestionChars: config.web.maxQuestionChars, chats: chats.list(), chat }));
  });

  router.get('/documents/:id/view', async (req, res) => {
    const chunk = req.query.chunk;
    if (typeof chunk !== 'string' || chunk === '' || chunk.length > 300) throw badRequest('chunk is required: the id of the passage to show.', 'chunk');
    send(res, passagePage(await services.passages.passage(req.params.id, chunk)));
  });

  return router;
}
