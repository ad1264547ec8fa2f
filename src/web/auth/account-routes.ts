/**
 * Sign-in, sign-out and the Settings page:
 *   GET    /login[?next=/path]   -> the sign-in page (straight on to `next` when already signed in)
 *   POST   /login {name, password, next}  -> a new session (cookie; any earlier one of this browser
 *          ended), then `next`: 303, or HX-Redirect for htmx. Wrong name or password: 401 with one
 *          message for both (a single sign-on user, who has no password, is told to use the
 *          provider's button); throttled (src/accounts/login-throttle.ts): 429 + Retry-After.
 *   POST   /logout               -> the session ended, the cookie cleared, back to /login
 *   GET    /settings             -> the signed-in user's API tokens
 *   POST   /settings/tokens {label}   -> the token section with the new token shown once
 *   DELETE /settings/tokens/:id  -> the token section without it
 * Forms are urlencoded (htmx) or JSON; the cross-site guard has already checked the request token,
 * so a page elsewhere cannot sign a browser in or out. `next` is a same-site path only (./safe-next.ts).
 */
import express, { Router, type Request, type Response } from 'express';
import { loginPage, settingsPage, tokenSection } from '../../../templates/account.ts';
import type { Accounts } from '../../accounts/accounts.ts';
import { clientOf } from '../client-limits.ts';
import type { SafeHtml } from '../html.ts';
import { HttpError } from '../http-error.ts';
import { authSessionOf, clearAuthCookie, setAuthCookie } from '../guards/auth-cookie.ts';
import { signedInUser } from './current-user.ts';
import { safeNext } from './safe-next.ts';

const send = (res: Response, page: SafeHtml): void => {
  res.type('html').send(page.value);
};

const field = (body: unknown, name: string): string => {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
};

/** Sends the browser on to `to`: HX-Redirect for htmx (it follows it), 303 otherwise. */
function goTo(req: Request, res: Response, to: string): void {
  if (req.get('hx-request') === 'true') res.setHeader('HX-Redirect', to).status(200).end();
  else res.redirect(303, to);
}

export interface AccountRoutesOptions {
  accounts: Accounts;
  /** Whether sign-in is required now. */
  required: () => boolean;
  /** The provider's name when single sign-on is on (./oidc-routes.ts). */
  singleSignOn?: string | undefined;
  /** The sign-up mode in force now (the sign-in page links to /signup when `open`). */
  signUp?: () => 'off' | 'invite' | 'open';
}

export function accountRoutes({ accounts, required, singleSignOn, signUp = () => 'off' }: AccountRoutesOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const user = () => {
    const u = signedInUser();
    if (!u) throw new HttpError(404, 'Settings exist once sign-in is on: add the first admin with `npm run users -- add NAME --admin`.');
    return u;
  };

  router.get('/login', (req, res) => {
    const next = safeNext(req.query.next);
    const session = authSessionOf(req);
    if (!required() || (session !== undefined && accounts.sessionUser(session))) {
      res.redirect(303, next);
      return;
    }
    res.set('Cache-Control', 'no-store');
    send(res, loginPage(next, { singleSignOn, signUp: signUp() }));
  });

  router.post('/login', form, async (req, res) => {
    if (!required()) throw new HttpError(404, 'Sign-in is off: there are no accounts (or AUTH=off).');
    const name = field(req.body, 'name');
    const password = field(req.body, 'password');
    if (!name || !password) throw new HttpError(400, 'Enter your name and password.');
    const result = await accounts.signIn(name, password, clientOf(req));
    if (!result.ok) {
      if (result.retryAfterSeconds !== undefined) {
        throw new HttpError(429, `Too many failed sign-ins. Try again in ${result.retryAfterSeconds} seconds.`, { retryAfterSeconds: result.retryAfterSeconds });
      }
      if (result.external) {
        throw new HttpError(401, singleSignOn
          ? `This account has no Docent password: it signs in with ${singleSignOn}. Use "Sign in with ${singleSignOn}" above.`
          : 'This account has no Docent password: it signs in through single sign-on, which is not configured now. Ask an admin.');
      }
      throw new HttpError(401, 'Wrong name or password.');
    }
    // A new id at every sign-in (never one the browser brought along): the old one is ended.
    const earlier = authSessionOf(req);
    if (earlier !== undefined) accounts.signOut(earlier);
    setAuthCookie(req, res, result.sessionId, accounts.sessionMaxMs);
    res.set('Cache-Control', 'no-store');
    goTo(req, res, safeNext(field(req.body, 'next')));
  });

  router.post('/logout', (req, res) => {
    const session = authSessionOf(req);
    if (session !== undefined) accounts.signOut(session);
    clearAuthCookie(req, res);
    goTo(req, res, '/login');
  });

  router.get('/settings', (_req, res) => {
    const u = user();
    res.set('Cache-Control', 'no-store');
    send(res, settingsPage(u.name, u.role, accounts.listTokens(u.id)));
  });

  router.post('/settings/tokens', form, (req, res) => {
    const u = user();
    const { token, view } = accounts.createToken(u.id, field(req.body, 'label'));
    res.set('Cache-Control', 'no-store');
    send(res, tokenSection(accounts.listTokens(u.id), { token, label: view.label }));
  });

  router.delete('/settings/tokens/:id', (req, res) => {
    const u = user();
    accounts.revokeToken(u.id, req.params.id);
    send(res, tokenSection(accounts.listTokens(u.id)));
  });

  return router;
}
