/**
 * Server-Sent Events framing for streamed answers:
 *   event: <name>\n data: <JSON>\n\n
 * JSON never contains a raw newline, so one `data:` line per event is enough. Headers are flushed
 * at once and proxies are told not to buffer (X-Accel-Buffering: no), so the first token shows as
 * soon as it exists.
 */
import type { Response } from 'express';

export function startSse(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
}

export function sendSse(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
