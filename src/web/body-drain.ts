/**
 * Answering before the request body has arrived (a 413, 503 or 507 for an upload, a foreign Host,
 * a cross-site refusal): the error middleware, the one place that answers them, sends the answer
 * at once, and the rest of the body is read and thrown away, up to a bound, before the connection
 * is closed. Closing while the client is still sending makes the kernel reset the connection, and
 * many clients (Node's fetch, so scripts and SDKs) then report the reset (EPIPE, ECONNRESET)
 * instead of the answer that already arrived; curl copes either way. Well-behaved clients stop
 * sending once they have the answer, so the bound only matters for those that do not.
 *
 * The connection is kept alive (no `Connection: close`): when the body has been read to its end
 * the connection is clean and can carry the next request; past the bound it is destroyed.
 */
import type { Request } from 'express';

/** Most bytes read and discarded after an early answer before the connection is cut. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
/** Longest the rest of a body is waited for after an early answer. */
export const DRAIN_MAX_MS = 10_000;

/** Reads and discards the rest of `req`'s body, within the bounds; then the connection is reusable or cut. */
export function drainBody(req: Request, bounds = { maxBytes: DRAIN_MAX_BYTES, maxMs: DRAIN_MAX_MS }): void {
  if (req.complete || req.destroyed) return;
  let seen = 0;
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', stop);
    req.off('close', stop);
  };
  const cut = (): void => {
    stop();
    req.socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    seen += chunk.length;
    if (seen > bounds.maxBytes) cut();
  };
  const timer = setTimeout(cut, bounds.maxMs);
  timer.unref();
  req.on('data', onData);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
