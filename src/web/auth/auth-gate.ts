/**
 * The sign-in gate, in front of every route once sign-in is on (src/accounts/auth-mode.ts):
 *   - open to all: /login, /signup (404 unless SIGNUP allows it), /auth/oidc/start and /callback (single sign-on), /healthz, /readyz, /api/session (the page's request token), /static/*;
 *   - API routes (/api/*, /v1/*, /mcp) take the sign-in cookie or `Authorization: Bearer <token>`
 *     (a personal API token from /settings); without either they answer 401 JSON saying how to sign in;
 *   - pages take the cookie only; a plain GET without it is sent to /login?next=<the page> (303);
 *     an htmx request gets 401 with HX-Redirect to the sign-in page (the session ended mid-page).
 * The user is then available to the rest of the request through ./current-user.ts.
 */
import type { Request, RequestHandler } from 'express';
import type { Accounts, User } from '../../accounts/accounts.ts';
import { HttpError } from '../http-error.ts';
import { authSessionOf } from '../guards/auth-cookie.ts';
import { runAs } from './current-user.ts';
import { safeNext } from './safe-next.ts';

const OPEN = new Set(['/login', '/signup', '/healthz', '/readyz', '/api/session', '/favicon.ico', '/auth/oidc/start', '/auth/oidc/callback']);

export const isApiPath = (p: string): boolean => p.startsWith('/api/') || p.startsWith('/v1/') || p === '/mcp' || p.startsWith('/mcp/');

/** The bearer token of the request, if it sent one. */
function bearerOf(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}

export const loginUrl = (next: string): string => (next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);

/** The page an htmx request was sent from (its HX-Current-URL), as a same-site path. */
function currentPage(req: Request): string {
  const raw = req.get('hx-current-url');
  if (raw === undefined) return '/';
  try {
    const u = new URL(raw);
    return safeNext(u.pathname + u.search);
  } catch {
    return '/';
  }
}

export interface AuthGateOptions {
  accounts: Accounts;
  /** Whether sign-in is required now (users exist and AUTH is not off); checked per request. */
  required: () => boolean;
}

export function authGate({ accounts, required }: AuthGateOptions): RequestHandler {
  return (req, res, next) => {
    if (!required() || OPEN.has(req.path) || req.path.startsWith('/static/')) {
      next();
      return;
    }
    const api = isApiPath(req.path);
    const bearer = api ? bearerOf(req) : undefined;
    let user: User | undefined;
    if (bearer !== undefined) {
      user = accounts.tokenUser(bearer);
      if (!user) {
        res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
        next(new HttpError(401, 'This API token is not valid: it was revoked, mistyped or belongs to a removed user. Create a new one on the Settings page.'));
        return;
      }
    } else {
      const session = authSessionOf(req);
      user = session === undefined ? undefined : accounts.sessionUser(session);
    }
    if (user) {
      const u = user;
      runAs({ id: u.id, name: u.name, role: u.role }, () => next());
      return;
    }
    if (api) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      next(new HttpError(401, 'Sign in first: open /login in a browser, or send a personal API token (Settings page, or `npm run users -- token NAME`) as "Authorization: Bearer <token>".'));
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && req.get('hx-request') !== 'true') {
      res.redirect(303, loginUrl(safeNext(req.originalUrl)));
      return;
    }
    res.setHeader('HX-Redirect', loginUrl(currentPage(req)));
    next(new HttpError(401, 'Your session has ended. Sign in again.'));
  };
}
