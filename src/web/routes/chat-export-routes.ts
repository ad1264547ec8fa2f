/**
 * A user's own chats as a whole (private chats; the scope is ../auth/chat-owner.ts):
 *   GET    /api/chats/export?format=md|json  -> attachment: every chat of the user (all chats when
 *          sign-in is off) with every answer's sources (src/chats/chat-export.ts); default md
 *   DELETE /api/chats?confirm=delete-all     -> {deleted: n}: every chat of the user; without the
 *          confirm parameter a 400 saying how to confirm
 *   POST   /settings/chats/delete {confirm: delete-all} -> the Settings page's result line
 * Registered before the routes that take a chat id (/api/chats/:id).
 */
import express, { Router, type Request } from 'express';
import { chatsDeleted } from '../../../templates/chat-data.ts';
import { jsonExport, markdownExport, type ExportFormat } from '../../chats/chat-export.ts';
import { streamText } from '../../analytics/stream-out.ts';
import type { ChatOwners } from '../auth/chat-owner.ts';
import { badRequest } from '../http-error.ts';
import type { WebServices } from '../services.ts';

const CONFIRM = 'delete-all';

function formatOf(value: unknown): ExportFormat {
  if (value === undefined || value === '' || value === 'md' || value === 'markdown') return 'md';
  if (value === 'json') return 'json';
  throw badRequest('format must be "md" (Markdown) or "json".', 'format');
}

function confirmed(req: Request): boolean {
  const fromBody = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>).confirm : undefined;
  return req.query.confirm === CONFIRM || fromBody === CONFIRM;
}

export function chatExportRoutes(services: WebServices, owners: ChatOwners, now: () => number = Date.now): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 });

  router.get('/api/chats/export', async (req, res) => {
    const format = formatOf(req.query.format);
    const at = now();
    const pages = services.chats.exportPages(owners.scope());
    const day = new Date(at).toISOString().slice(0, 10);
    res
      .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="docent-chats-${day}.${format}"`)
      .set('Cache-Control', 'no-store');
    await streamText(res, format === 'json' ? jsonExport(pages, at) : markdownExport(pages, at));
  });

  router.delete('/api/chats', (req, res) => {
    if (!confirmed(req)) throw badRequest(`This deletes every one of your chats. To confirm, send confirm=${CONFIRM} (e.g. DELETE /api/chats?confirm=${CONFIRM}).`, 'confirm');
    res.json({ deleted: services.chats.deleteAll(owners.scope()) });
  });

  router.post('/settings/chats/delete', form, (req, res) => {
    if (!confirmed(req)) throw badRequest('Confirm that you want to delete all your chats.', 'confirm');
    res.set('Cache-Control', 'no-store').type('html').send(chatsDeleted(services.chats.deleteAll(owners.scope())).value);
  });

  return router;
}
