/**
 * Rates per signed-in user and per client address, counted in the shared rate-limit store
 * (../rate-limits/rate-limit-store.ts), so every web process sharing DATA_DIR counts against the
 * same allowance:
 *   questions  RATE_LIMIT_ASK_PER_MINUTE per user, RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS per address
 *              (every way of asking: POST /api/ask and regenerate, the page, /v1/chat/completions,
 *              the MCP ask tool);
 *   uploads    RATE_LIMIT_UPLOADS_PER_HOUR files per user, ..._PER_ADDRESS per address (POST
 *              /api/documents and the page's upload, a web page imported or refreshed by URL).
 * With sign-in off only the address counts. The windows slide (the last minute or hour before each
 * request). A refused request counts nothing and is answered 429 + Retry-After (seconds: until it
 * would be allowed) with a message saying the allowance and the wait; so does a regeneration of
 * an unknown (or another's) answer, a 404 checked before counting (./routes/ask-api.ts). An upload is
 * checked for one file before its body is read (a refusal never reads it); the further files of a
 * batch are counted once received, so one batch can go past the allowance and the next is refused.
 * The address is the client's as TRUST_PROXY decides (./client-limits.ts clientOf). 0 = no limit.
 */
import type { Request, RequestHandler } from 'express';
import type { Config } from '../config.ts';
import type { RateLimitStore, WindowCheck } from '../rate-limits/rate-limit-store.ts';
import { signedInUser } from './auth/current-user.ts';
import { clientOf } from './client-limits.ts';
import { HttpError } from './http-error.ts';

export type RateKind = 'ask' | 'upload';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A refusal: what to tell the person and when to try again. */
export interface RateRefusal {
  message: string;
  retryAfterSeconds: number;
}

/** "45 seconds", "1 minute", "12 minutes". */
function wait(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export class WebRateLimits {
  constructor(
    private readonly store: RateLimitStore,
    private readonly settings: Config['rateLimits'],
    private readonly now: () => number = Date.now,
  ) {}

  private checks(kind: RateKind, userId: string | undefined, address: string): WindowCheck[] {
    const s = this.settings;
    const [perUser, perAddress, windowMs] = kind === 'ask' ? [s.askPerMinute, s.askPerMinutePerAddress, MINUTE] : [s.uploadsPerHour, s.uploadsPerHourPerAddress, HOUR];
    const checks: WindowCheck[] = [{ key: `${kind}-address\u0000${address}`, limit: perAddress, windowMs }];
    if (userId !== undefined) checks.unshift({ key: `${kind}-user\u0000${userId}`, limit: perUser, windowMs });
    return checks;
  }

  /** Counts one `kind` for the user and address; the refusal when either allowance is spent. */
  take(kind: RateKind, userId: string | undefined, address: string): RateRefusal | undefined {
    const checks = this.checks(kind, userId, address);
    const r = this.store.take(checks, this.now());
    if (r.ok) return undefined;
    const seconds = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    const whose = r.refusedBy.key.startsWith(`${kind}-user`) ? 'for your account' : 'from your address';
    const what = kind === 'ask' ? `Too many questions: at most ${r.refusedBy.limit} per minute ${whose}.` : `Too many uploads: at most ${r.refusedBy.limit} files or pages per hour ${whose}.`;
    return { message: `${what} Try again in ${wait(seconds)}.`, retryAfterSeconds: seconds };
  }

  /** Adds `count` more of `kind` without refusing (the rest of an upload already received). */
  charge(kind: RateKind, userId: string | undefined, address: string, count: number): void {
    this.store.charge(this.checks(kind, userId, address), this.now(), count);
  }

  /** `take` for the request's signed-in user and client; throws 429 + Retry-After when refused. */
  takeFor(kind: RateKind, req: Request): void {
    const refused = this.take(kind, signedInUser()?.id, clientOf(req));
    if (refused) throw new HttpError(429, refused.message, { retryAfterSeconds: refused.retryAfterSeconds, code: 'rate_limit_exceeded' });
  }

  /** Middleware counting one `kind` per request (URL imports). */
  middleware(kind: RateKind): RequestHandler {
    return (req, _res, next) => {
      this.takeFor(kind, req);
      next();
    };
  }

  /**
   * Wraps the upload middleware: one file is counted before the body is read, the batch's further
   * files once it is received.
   */
  limitUploads(upload: RequestHandler): RequestHandler {
    return (req, res, next) => {
      this.takeFor('upload', req);
      const userId = signedInUser()?.id;
      const address = clientOf(req);
      return upload(req, res, (err?: unknown) => {
        if (err === undefined || err === null) {
          const files = Array.isArray(req.files) ? req.files.length : req.file ? 1 : 0;
          if (files > 1) this.charge('upload', userId, address, files - 1);
        }
        next(err);
      });
    };
  }
}
