/**
 * Self sign-up (config SIGNUP; the rules are src/accounts/sign-up.ts):
 *   GET  /signup[?invite=<secret>]  -> the sign-up page; with SIGNUP=invite an unusable link shows
 *        why instead of the form (404 unknown, 410 used, expired or revoked)
 *   POST /signup {name, password, repeat, invite?}  -> a new member, signed in (a new session
 *        cookie, any earlier session of this browser ended), then home: 303, or HX-Redirect for
 *        htmx. Refusals: 400 with the rule broken, 404/410 for the invite, 429 + Retry-After when
 *        the address is throttled.
 * Both are 404 while sign-up is off (SIGNUP=off, AUTH=off, or no admin exists yet). Open without
 * sign-in (./auth-gate.ts); the cross-site guard has checked the request token already.
 */
import express, { Router, type Request, type Response } from 'express';
import { signUpPage } from '../../../templates/signup.ts';
import { InviteRefusedError } from '../../accounts/invites.ts';
import type { SignUps } from '../../accounts/sign-up.ts';
import { clientOf } from '../client-limits.ts';
import { authSessionOf, setAuthCookie } from '../guards/auth-cookie.ts';
import { HttpError } from '../http-error.ts';
import type { Accounts } from '../../accounts/accounts.ts';

export const SIGNUP_PATH = '/signup';

const field = (body: unknown, name: string): string => {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
};

export interface SignUpRoutesOptions {
  accounts: Accounts;
  signUps: SignUps;
  /** Whether sign-in is on now (with it off there are no accounts to make). */
  required: () => boolean;
}

export function signUpRoutes({ accounts, signUps, required }: SignUpRoutesOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const ensureOn = (): void => {
    if (!required() || !signUps.enabled) throw new HttpError(404, 'There is no sign-up here: ask an admin to add you.');
  };
  const page = (res: Response, status: number, opts: Parameters<typeof signUpPage>[0]): void => {
    res.status(status).set('Cache-Control', 'no-store').type('html').send(signUpPage(opts).value);
  };

  router.get(SIGNUP_PATH, (req, res) => {
    ensureOn();
    if (signUps.mode !== 'invite') {
      page(res, 200, {});
      return;
    }
    const invite = typeof req.query.invite === 'string' ? req.query.invite : '';
    try {
      accounts.invites.usable(invite);
      page(res, 200, { invite });
    } catch (err) {
      if (!(err instanceof InviteRefusedError)) throw err;
      page(res, err.status, { refused: err.message });
    }
  });

  router.post(SIGNUP_PATH, form, async (req: Request, res: Response) => {
    ensureOn();
    const input = { name: field(req.body, 'name'), password: field(req.body, 'password'), repeat: field(req.body, 'repeat'), invite: field(req.body, 'invite') };
    let result;
    try {
      result = await signUps.signUp(input, clientOf(req));
    } catch (err) {
      if (err instanceof InviteRefusedError) throw new HttpError(err.status, err.message);
      throw err;
    }
    if (!result.ok) throw new HttpError(429, `Too many sign-up attempts from your address. Try again in ${result.retryAfterSeconds} seconds.`, { retryAfterSeconds: result.retryAfterSeconds });
    const earlier = authSessionOf(req);
    if (earlier !== undefined) accounts.signOut(earlier);
    setAuthCookie(req, res, result.sessionId, accounts.sessionMaxMs);
    res.set('Cache-Control', 'no-store');
    if (req.get('hx-request') === 'true') res.setHeader('HX-Redirect', '/').status(200).end();
    else res.redirect(303, '/');
  });

  return router;
}
