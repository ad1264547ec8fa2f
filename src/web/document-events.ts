/**
 * `GET /api/documents/events`: live document status as Server-Sent Events, fed by
 * DocumentService.onChange. Wire format (see sse.ts for the framing):
 *   event: snapshot   data: {documents: DocumentView[]}   once, at (re)connection
 *   event: document   data: DocumentView                  on every change; status `deleted` = gone
 * A comment line every 15 s keeps idle connections open through proxies. The stream ends only
 * when the client goes away (EventSource reconnects by itself and gets a fresh snapshot).
 */
import type { Request, Response } from 'express';
import type { DocumentService } from '../ports/document-service.ts';
import { sendSse, startSse } from './sse.ts';

const HEARTBEAT_MS = 15_000;

export function streamDocumentEvents(req: Request, res: Response, documents: DocumentService): void {
  startSse(res);
  // Subscribe before the snapshot so no change can fall between the two.
  const unsubscribe = documents.onChange((doc) => sendSse(res, 'document', doc));
  sendSse(res, 'snapshot', { documents: documents.list() });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  req.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}
