/**
 * Chats and sources, JSON and pages:
 *   GET /api/chats?limit=&before= -> {chats: ChatSummary[], next: cursor | null} (most recent
 *                                  first, `limit` per page (default 50, at most 200); pass `next`
 *                                  as `before` for the following page)
 *   GET /api/chats/:id          -> ChatView (turns in order, the chat's last settings)
 *   PATCH /api/chats/:id {title} -> ChatSummary (renamed; the title is one line, 1-80 characters)
 *   DELETE /api/chats/:id       -> 204
 *   GET /                       -> the Ask page, a new chat
 *   GET /chats/:id              -> the Ask page continuing that chat
 *   GET /chats/list?before=     -> the next page of the chat list as <li> items ("Show more")
 *   GET /documents/:id/view?chunk=<chunkId>[&answer=<answerId>] -> the passage highlighted in its document's text,
 *     with the sentence that best supports that answer's citation marked
 * Asking and regenerating live in ask-api.ts. With sign-in on, every one of these sees only the
 * signed-in user's chats (../auth/chat-owner.ts): another's chat is the same 404 as a missing one,
 * and a passage opens only from the user's own answers.
 */
import { Router, type Response } from 'express';
import type { Config } from '../../config.ts';
import { askPage } from '../../../templates/ask.ts';
import { passagePage } from '../../../templates/chat-passage.ts';
import { chatListItems } from '../../../templates/chat.ts';
import { CHAT_PAGE_DEFAULT, CHAT_PAGE_MAX, parseChatCursor, TITLE_CHARS } from '../../chats/chat-store.ts';
import { html, type SafeHtml } from '../html.ts';
import { badRequest, notFound } from '../http-error.ts';
import type { WebServices } from '../services.ts';
import { chatOwners, type ChatOwners } from '../auth/chat-owner.ts';
import { parseChatPage, parseChatTitle } from '../validate.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

export function chatRoutes(services: WebServices, config: Config, owners: ChatOwners = chatOwners()): Router {
  const router = Router();
  const { chats } = services;
  const missing = (id: string) => notFound(`No chat with id "${id}". It may have been deleted; list chats with GET /api/chats.`);

  /** One page of the chat list, newest first; a cursor this store did not make is a 400. */
  const listPage = (query: Record<string, unknown>) => {
    const { limit, before } = parseChatPage(query, CHAT_PAGE_MAX);
    if (before !== undefined && !parseChatCursor(before)) throw badRequest('before must be the "next" cursor of the previous page.', 'before');
    return chats.page({ limit: limit ?? CHAT_PAGE_DEFAULT, before }, owners.scope());
  };

  router.get('/api/chats', (req, res) => {
    res.json(listPage(req.query));
  });

  router.get('/chats/list', (req, res) => {
    const { chats: items, next } = listPage(req.query);
    if (next) res.setHeader('Docent-Next', next);
    send(res, html`${chatListItems(items, undefined)}`);
  });

  router.patch('/api/chats/:id', (req, res) => {
    const title = parseChatTitle(req.body, TITLE_CHARS);
    const scope = owners.scope();
    if (!chats.rename(req.params.id, title, scope)) throw missing(req.params.id);
    const { turns: _turns, ...summary } = chats.get(req.params.id, scope)!;
    res.json(summary);
  });

  router.get('/api/chats/:id', (req, res) => {
    const chat = chats.get(req.params.id, owners.scope());
    if (!chat) throw missing(req.params.id);
    res.json(chat);
  });

  router.delete('/api/chats/:id', (req, res) => {
    if (!chats.delete(req.params.id, owners.scope())) throw missing(req.params.id);
    res.status(204).end();
  });

  const collections = () => services.collections.list();
  router.get('/', (_req, res) => send(res, askPage({ maxQuestionChars: config.web.maxQuestionChars, chats: chats.page({}, owners.scope()), collections: collections() })));

  router.get('/chats/:id', (req, res) => {
    const scope = owners.scope();
    const chat = chats.get(req.params.id, scope);
    if (!chat) throw notFound('That chat no longer exists. Start a new one on the Ask page.');
    send(res, askPage({ maxQuestionChars: config.web.maxQuestionChars, chats: chats.page({}, scope), chat, collections: collections() }));
  });

  router.get('/documents/:id/view', async (req, res) => {
    const chunk = req.query.chunk;
    if (typeof chunk !== 'string' || chunk === '' || chunk.length > 300) throw badRequest('chunk is required: the id of the passage to show.', 'chunk');
    const answer = req.query.answer;
    if (answer !== undefined && (typeof answer !== 'string' || answer === '' || answer.length > 200)) throw badRequest('answer, when given, is the id of the answer whose citation is opened.', 'answer');
    send(res, passagePage(await services.passages.passage(req.params.id, chunk, owners.scope(), answer)));
  });

  return router;
}
