/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE) that a page on another origin made a
 * user's browser send, in three layers:
 *   1. Fetch metadata: a browser says where a request comes from. `Sec-Fetch-Site` must be
 *      `same-origin` (another port of the same host is `same-site`, and refused too); where a browser
 *      sends no Sec-Fetch-Site, `Origin` must be this service's own (or one of ALLOWED_ORIGINS).
 *   2. A per-session token (./session-token.ts): a request from a browser (one that sends fetch
 *      metadata, Origin or our session cookie) must carry the token in `X-CSRF-Token`. Docent's
 *      pages add it to every request (templates/static/csrf.js).
 *   3. JSON routes take JSON only: `/api/*` bodies other than the multipart upload, and every
 *      body of the OpenAI-compatible `/v1/*`, must be `application/json`, which a cross-site HTML
 *      form cannot send.
 *   Pages that work without JavaScript (the Admin page) post plain forms: for paths in
 *   `formTokenPaths` a urlencoded browser post may carry the token in the form field `csrf_token`
 *   instead; the guard lets it on marked, and `formTokenCheck` (run by the route after parsing the
 *   form) refuses it unless the field holds the session's token.
 * Programs (the CLI, curl, SDKs) send none of these browser headers and no cookie, so they pass
 * layers 1 and 2 untouched; a page cannot make a browser leave them out.
 * Refusals are 403 (415 for the body type) with a message that says what to do, and the header
 * `Docent-Refused: cross-site | token | content-type` so a page can tell a stale token apart.
 */
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../http-error.ts';
import { authSessionOf } from './auth-cookie.ts';
import { sessionIdOf, TOKEN_HEADER, type SessionTokens } from './session-token.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** `/api/*` routes whose body is not JSON (matched on method and path). */
const NON_JSON_API = [{ method: 'POST', path: /^\/api\/documents\/?$/ }];

export interface CrossSiteGuardOptions {
  tokens: SessionTokens;
  /** Extra origins allowed besides the request's own (config ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** Paths whose browser form posts may carry the token in the field `csrf_token` (default: none). */
  formTokenPaths?: RegExp | undefined;
}

export const FORM_TOKEN_FIELD = 'csrf_token';
/** Browser form posts let on by the guard that still owe the token in their form field. */
const owesFormToken = new WeakSet<Request>();

/** After the form is parsed: a post the guard let on for its form field must carry the session's token there. */
export function formTokenCheck(tokens: SessionTokens): RequestHandler {
  return (req, res, next) => {
    if (!owesFormToken.has(req)) return next();
    const field = (req.body as Record<string, unknown> | undefined)?.[FORM_TOKEN_FIELD];
    const session = sessionIdOf(req);
    if (session !== undefined && typeof field === 'string' && tokens.verify(session, field)) return next();
    res.setHeader('Docent-Refused', 'token');
    next(new Refused('token', 403, "Refused: the page's security token is missing or out of date. Reload the page and try again."));
  };
}

class Refused extends HttpError {
  constructor(
    readonly reason: 'cross-site' | 'token' | 'content-type',
    status: number,
    message: string,
  ) {
    super(status, message);
  }
}

/** The origin the browser says the request came from, judged against ours; undefined = not said. */
function originVerdict(req: Request, allowedOrigins: readonly string[]): 'same' | 'other' | undefined {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' ? 'same' : 'other';
  const origin = req.get('origin');
  if (origin === undefined) return undefined;
  if (allowedOrigins.includes(origin.toLowerCase())) return 'same';
  try {
    // Our own origin as the browser saw it: the Host it sent (the host check already vetted it).
    return new URL(origin).host === (req.get('host') ?? '').toLowerCase() ? 'same' : 'other';
  } catch {
    return 'other'; // "null" (sandboxed frames, opaque origins) and garbage
  }
}

/**
 * Whether a browser sent the request (fetch metadata, Origin, our session cookie or the sign-in
 * cookie); programs send none (they sign in with a bearer token, never the cookie).
 */
export function isBrowser(req: Request): boolean {
  return req.get('sec-fetch-site') !== undefined || req.get('origin') !== undefined || sessionIdOf(req) !== undefined || authSessionOf(req) !== undefined;
}

export function crossSiteGuard({ tokens, allowedOrigins, formTokenPaths }: CrossSiteGuardOptions): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const refuse = (err: Refused): void => {
      res.setHeader('Docent-Refused', err.reason);
      next(err);
    };
    if (originVerdict(req, allowedOrigins) === 'other') {
      refuse(new Refused('cross-site', 403, 'Refused: this request came from another site. Docent accepts changes only from its own pages or from programs (the CLI, curl, API clients).'));
      return;
    }
    if (isBrowser(req)) {
      const session = sessionIdOf(req);
      const token = req.get(TOKEN_HEADER);
      if (token === undefined && formTokenPaths?.test(req.path) && req.is('application/x-www-form-urlencoded')) {
        owesFormToken.add(req);
        next();
        return;
      }
      if (session === undefined || token === undefined || !tokens.verify(session, token)) {
        refuse(new Refused('token', 403, "Refused: the page's security token is missing or out of date. Reload the page and try again."));
        return;
      }
    }
    if ((req.path.startsWith('/api/') || req.path.startsWith('/v1/')) && !NON_JSON_API.some((r) => r.method === req.method && r.path.test(req.path))) {
      const type = req.get('content-type');
      // req.is answers null for a request without a body (a DELETE from a client that sends its
      // usual JSON header): nothing to misread there.
      if (type !== undefined && req.is('application/json') === false) {
        refuse(new Refused('content-type', 415, `Send this request as JSON (Content-Type: application/json), not ${type.split(';')[0]!.trim().slice(0, 80)}.`));
        return;
      }
    }
    next();
  };
}
