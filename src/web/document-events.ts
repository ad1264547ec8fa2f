/**
 * `GET /api/documents/events?ids=a,b`: live document status as Server-Sent Events, fed by
 * DocumentService.onChange. Wire format (see sse.ts for the framing):
 *   event: snapshot   data: {documents: DocumentView[]}   once, at (re)connection: the documents
 *                                                         named in `ids` that exist (none without ids)
 *   event: document   data: DocumentView                  on every change; status `deleted` = gone
 * The snapshot covers only what the page shows (at most MAX_EVENT_IDS ids), never the whole
 * library: a library of thousands would otherwise be sent on every (re)connection. A page updates
 * the rows it shows from `document` events and ignores the others (new documents excepted).
 * A comment line every 15 s keeps idle connections open through proxies. The stream ends only
 * when the client goes away (EventSource reconnects by itself and gets a fresh snapshot).
 */
import type { Request, Response } from 'express';
import type { DocumentService, DocumentView } from '../ports/document-service.ts';
import { badRequest } from './http-error.ts';
import { sendSse, startSse } from './sse.ts';

const HEARTBEAT_MS = 15_000;
/** Most ids a snapshot may ask for (a page's first rows; ids are 64 characters, URLs stay short). */
export const MAX_EVENT_IDS = 100;

/** `ids` of the events stream: comma-separated document ids, at most MAX_EVENT_IDS. */
export function parseEventIds(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  if (typeof value !== 'string') throw badRequest('ids must be one comma-separated list of document ids.', 'ids');
  const ids = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (ids.length > MAX_EVENT_IDS) throw badRequest(`ids names ${ids.length} documents; at most ${MAX_EVENT_IDS} (the rows a page shows first).`, 'ids');
  return ids;
}

export function streamDocumentEvents(req: Request, res: Response, documents: DocumentService, ids: readonly string[] = []): void {
  startSse(res);
  // Subscribe before the snapshot so no change can fall between the two.
  const unsubscribe = documents.onChange((doc) => sendSse(res, 'document', doc));
  sendSse(res, 'snapshot', { documents: ids.flatMap((id): DocumentView[] => {
    const d = documents.get(id);
    return d ? [d] : [];
  }) });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}
