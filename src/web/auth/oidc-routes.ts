/**
 * Single sign-on routes (OpenID Connect, authorization code flow with PKCE):
 *   GET /auth/oidc/start[?next=/path]  -> new state, nonce and PKCE verifier kept server-side (the
 *       account store's oidc_pending) under a random id in the pre-sign-in cookie `docent_oidc`
 *       (HttpOnly, SameSite=Lax so it comes back on the provider's redirect, Path=/auth/oidc,
 *       10 minutes); 303 to the provider.
 *   GET /auth/oidc/callback?code&state  -> the pending sign-in taken (once), the answer checked by
 *       openid-client (src/accounts/oidc/oidc-client.ts), the user found by (issuer, subject) or
 *       created, a normal Docent session (the same cookie, rotation and timeouts as a password
 *       sign-in); 303 to `next`.
 * Anything that goes wrong (consent declined, an expired or foreign sign-in, a response that fails
 * the checks, the provider unreachable) shows the sign-in page with what to do, status 4xx/503.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { loginPage } from '../../../templates/account.ts';
import type { Accounts } from '../../accounts/accounts.ts';
import { ProviderUnreachableError, type OidcClient } from '../../accounts/oidc/oidc-client.ts';
import { OIDC_CALLBACK_PATH } from '../../accounts/oidc/oidc-settings.ts';
import { baseName, nameCandidates, roleFor } from '../../accounts/oidc/oidc-users.ts';
import { authSessionOf, setAuthCookie } from '../guards/auth-cookie.ts';
import { safeNext } from './safe-next.ts';

export const OIDC_START_PATH = '/auth/oidc/start';
const PENDING_COOKIE = 'docent_oidc';
const PENDING_MS = 10 * 60_000;
const ID = /^[A-Za-z0-9_-]{43}$/;

function pendingIdOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === PENDING_COOKIE && ID.test(part.slice(eq + 1).trim())) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function pendingCookie(req: Request, value: string, maxAgeMs: number): string {
  return `${PENDING_COOKIE}=${value}; Path=/auth/oidc; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Lax${req.secure ? '; Secure' : ''}`;
}

export interface OidcRoutesOptions {
  accounts: Accounts;
  oidc: OidcClient;
  logger: Logger;
}

export function oidcRoutes({ accounts, oidc, logger }: OidcRoutesOptions): Router {
  const router = Router();
  const log = logger.child({ component: 'single-sign-on' });
  const { providerName: provider } = oidc.settings;
  const refuse = (res: Response, status: number, next: string, error: string): void => {
    res.status(status).set('Cache-Control', 'no-store').type('html').send(loginPage(next, { singleSignOn: provider, error }).value);
  };

  router.get(OIDC_START_PATH, async (req, res) => {
    const next = safeNext(req.query.next);
    const redirectUrl = oidc.settings.redirectUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}${OIDC_CALLBACK_PATH}`;
    let start;
    try {
      start = await oidc.start(redirectUrl);
    } catch (err) {
      if (!(err instanceof ProviderUnreachableError)) throw err;
      refuse(res, 503, next, `${provider} cannot be reached just now, so single sign-on is unavailable. Try again in a minute, or sign in with a Docent password.`);
      return;
    }
    const id = randomBytes(32).toString('base64url');
    accounts.store.identities.savePending(id, { state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, redirectUrl, next, createdAt: Date.now() });
    res.append('Set-Cookie', pendingCookie(req, id, PENDING_MS));
    res.set('Cache-Control', 'no-store').redirect(303, start.url);
  });

  router.get(OIDC_CALLBACK_PATH, async (req, res) => {
    const id = pendingIdOf(req);
    res.append('Set-Cookie', pendingCookie(req, '', 0));
    const pending = id === undefined ? undefined : accounts.store.identities.takePending(id);
    const next = pending?.next ?? '/';
    const q = req.query;
    if (typeof q.error === 'string') {
      const why = typeof q.error_description === 'string' ? q.error_description.slice(0, 300) : q.error.slice(0, 100);
      const declined = q.error === 'access_denied';
      log.info({ error: q.error.slice(0, 100) }, 'single sign-on: the provider returned an error');
      refuse(res, declined ? 403 : 400, next, declined
        ? `${provider} did not sign you in (${why}). To use Docent, sign in again and allow it access.`
        : `${provider} could not sign you in (${why}). Try again; if it keeps failing, ask an admin to check the single sign-on settings.`);
      return;
    }
    if (!pending || Date.now() - pending.createdAt > PENDING_MS) {
      refuse(res, 400, next, `This sign-in with ${provider} has expired or was started in another browser (it must finish within 10 minutes, in the same browser). Start again.`);
      return;
    }
    const callbackUrl = new URL(pending.redirectUrl);
    callbackUrl.search = new URL(req.originalUrl, 'http://docent.invalid').search;
    let claims;
    try {
      claims = await oidc.finish(callbackUrl, pending);
    } catch (err) {
      if (err instanceof ProviderUnreachableError) {
        refuse(res, 503, next, `${provider} cannot be reached just now. Try again in a minute, or sign in with a Docent password.`);
        return;
      }
      log.warn({ err }, 'single sign-on: the answer from the provider failed its checks');
      refuse(res, 400, next, `The answer from ${provider} could not be verified (${(err as Error).message.slice(0, 200)}). Start again; if it keeps failing, ask an admin to check the single sign-on settings.`);
      return;
    }
    const result = accounts.signInExternal(claims.iss, claims.sub, () => nameCandidates(baseName(claims)), roleFor(claims, oidc.settings));
    if (!result) {
      refuse(res, 403, next, 'Your Docent account is disabled. Ask an admin.');
      return;
    }
    if (result.created) log.info({ userId: result.user.id, role: result.user.role }, 'single sign-on: new user created on first sign-in');
    // As at a password sign-in: a new session id, and the browser's earlier session ended.
    const earlier = authSessionOf(req);
    if (earlier !== undefined) accounts.signOut(earlier);
    setAuthCookie(req, res, result.sessionId, accounts.sessionMaxMs);
    res.set('Cache-Control', 'no-store').redirect(303, next);
  });

  return router;
}
