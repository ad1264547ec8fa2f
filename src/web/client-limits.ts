/**
 * Per-client bounds on what stays open in the web: questions being answered
 * (MAX_PENDING_QUESTIONS_PER_CLIENT) and event streams (MAX_EVENT_STREAMS_PER_CLIENT). A client is
 * its address (`clientOf`: behind a reverse proxy set TRUST_PROXY, or every user shares the
 * proxy's address). A place is taken when the request starts and given
 * back exactly once, when the answer finishes or fails, the stream ends, or the client goes away.
 */
import type { Request, Response } from 'express';
import { HttpError } from './http-error.ts';

export class PerClientLimit {
  private readonly held = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a place for the client; the release function, or undefined when the client holds `max`. */
  tryTake(client: string): (() => void) | undefined {
    const n = this.held.get(client) ?? 0;
    if (n >= this.max) return undefined;
    this.held.set(client, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(client) ?? 1) - 1;
      if (left <= 0) this.held.delete(client);
      else this.held.set(client, left);
    };
  }

  /** Places the client holds now. */
  count(client: string): number {
    return this.held.get(client) ?? 0;
  }
}

/**
 * The client's address: the connection's, or with TRUST_PROXY (Express's 'trust proxy') the one
 * the trusted proxies forwarded (X-Forwarded-For). Every per-address limit counts under it.
 */
export const clientOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Takes a place for the request's client, given back when the response closes (finished or the
 * client gone) or when the returned function is called; throws 429 + Retry-After with `message`.
 */
export function takePlace(limit: PerClientLimit, req: Request, res: Response, message: string, retryAfterSeconds = 5): () => void {
  const release = limit.tryTake(clientOf(req));
  if (!release) throw new HttpError(429, message, { retryAfterSeconds });
  res.once('close', release);
  return release;
}
