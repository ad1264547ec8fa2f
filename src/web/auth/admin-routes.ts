/**
 * The Admin page (admins only; templates/admin.ts). Forms are urlencoded POSTs that work without
 * JavaScript (the request token in the field csrf_token, checked by formTokenCheck) and with htmx:
 *   GET  /admin                                -> the page
 *   POST /admin/users {name, password, admin?} -> a new user (admin when `admin` is set)
 *   POST /admin/users/role {name, role}        -> admin | member (the last admin stays one)
 *   POST /admin/users/password {name, password} -> a new password; the user's sessions end
 *   POST /admin/users/remove {name}            -> the user, their sessions, tokens and rights gone
 *   POST /admin/rights {collection, who, level} -> `who` (a user's name or "everyone") gets read|write
 *   POST /admin/rights/revoke {collection, who} -> that grant gone
 *   POST /admin/invites {label?}               -> a sign-up invite link (SIGNUP=invite), shown once
 *   POST /admin/invites/revoke {id}            -> an unused invite can no longer be used
 * Each answers the panel (htmx) or the whole page (plain form) with what was done, or with the
 * refusal (400/404 with the message, the form still there). A member gets 403, and with sign-in
 * off the page does not exist (404): everyone has every right then.
 */
import express, { Router, type Request, type Response } from 'express';
import { adminPage, adminPanel, type AdminView } from '../../../templates/admin.ts';
import type { Accounts } from '../../accounts/accounts.ts';
import { checkLevel } from '../../accounts/collection-rights.ts';
import { InviteRefusedError, inviteLink } from '../../accounts/invites.ts';
import type { SignUpMode } from '../../accounts/sign-up.ts';
import { AppError, ForbiddenError, InvalidInputError, NotFoundError } from '../../errors.ts';
import type { CollectionService } from '../../ports/collection-service.ts';
import { formTokenCheck } from '../guards/cross-site-guard.ts';
import type { SessionTokens } from '../guards/session-token.ts';
import { ensureSession } from '../guards/session-token.ts';
import { HttpError } from '../http-error.ts';
import type { AccessLookup } from './access-checks.ts';
import { signedInUser } from './current-user.ts';

export interface AdminRoutesOptions {
  accounts: Accounts;
  /** Every collection (not the signed-in user's view: admins see all anyway). */
  collections: CollectionService;
  access: AccessLookup;
  tokens: SessionTokens;
  /** Config SIGNUP: the invites section shows with `invite`. */
  signUp?: SignUpMode;
}

const field = (body: unknown, name: string): string => {
  const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
};

const statusOf = (err: AppError): number => (err instanceof InviteRefusedError ? err.status : err instanceof NotFoundError ? 404 : err instanceof ForbiddenError ? 403 : 400);

export function adminRoutes({ accounts, collections, access, tokens, signUp = 'off' }: AdminRoutesOptions): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

  router.use('/admin', (_req, _res, next) => {
    const a = access();
    if (!a) throw new HttpError(404, 'The Admin page exists once sign-in is on: add the first admin with `npm run users -- add NAME --admin`.');
    if (!a.isAdmin) throw new ForbiddenError('Only admins can open the Admin page.');
    next();
  });

  const view = (req: Request, res: Response, result?: AdminView['result']): AdminView => {
    const users = accounts.listUsers();
    return {
      users,
      collections: collections.list(),
      grants: accounts.rights.list().map((g) => ({ collectionId: g.collectionId, level: g.level, who: accounts.rights.granteeName(g.grantee, users) })),
      me: signedInUser()?.name ?? '',
      signUp,
      invites: accounts.invites.list(),
      csrfToken: tokens.tokenFor(ensureSession(req, res)),
      result,
    };
  };
  const render = (req: Request, res: Response, result?: AdminView['result']): void => {
    const v = view(req, res, result);
    res.set('Cache-Control', 'no-store').type('html').send((req.get('hx-request') === 'true' ? adminPanel(v) : adminPage(v)).value);
  };

  router.get('/admin', (req, res) => render(req, res));

  /** Runs one change; a refusal a person can fix is shown with the form again, not as an error page. */
  type Done = string | { message: string; link: string };
  const action = (path: string, run: (body: unknown, req: Request) => Promise<Done> | Done): void => {
    router.post(path, form, formTokenCheck(tokens), async (req, res) => {
      try {
        const done = await run(req.body, req);
        render(req, res, typeof done === 'string' ? { ok: true, message: done } : { ok: true, ...done });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        res.status(statusOf(err));
        render(req, res, { ok: false, message: err.message });
      }
    });
  };

  action('/admin/users', async (b) => {
    const u = await accounts.addUser(field(b, 'name'), field(b, 'admin') !== '' ? 'admin' : 'member', field(b, 'password'));
    return `Added ${u.role === 'admin' ? 'the admin' : 'the member'} "${u.name}".`;
  });
  action('/admin/users/role', (b) => {
    const role = field(b, 'role');
    if (role !== 'admin' && role !== 'member') throw new InvalidInputError('The role must be "admin" or "member".');
    const u = accounts.setRole(field(b, 'name'), role);
    return `"${u.name}" is now ${role === 'admin' ? 'an admin' : 'a member'}.`;
  });
  action('/admin/users/password', async (b) => {
    const u = await accounts.resetPassword(field(b, 'name'), field(b, 'password'));
    return `Set a new password for "${u.name}"; their sessions have ended.`;
  });
  action('/admin/users/remove', (b) => {
    if (field(b, 'name').toLowerCase() === (signedInUser()?.name ?? '').toLowerCase()) throw new InvalidInputError('You cannot remove yourself: sign in as another admin to do that.');
    const u = accounts.removeUser(field(b, 'name'));
    return `Removed "${u.name}" with their sessions, tokens and rights.`;
  });
  action('/admin/rights', (b) => {
    const c = collections.get(field(b, 'collection'));
    const level = checkLevel(field(b, 'level'));
    accounts.rights.grant(c.id, field(b, 'who'), level);
    return `${field(b, 'who').trim()} may now ${level} the collection "${c.name}".`;
  });
  action('/admin/rights/revoke', (b) => {
    const c = collections.get(field(b, 'collection'));
    accounts.rights.revoke(c.id, field(b, 'who'));
    return `Revoked the right of ${field(b, 'who').trim()} on "${c.name}".`;
  });

  action('/admin/invites', (b, req) => {
    if (signUp !== 'invite') throw new InvalidInputError(`Invites work only with SIGNUP=invite (it is ${signUp} now): set it in the environment and restart Docent.`);
    const { token, invite } = accounts.invites.create(field(b, 'label'), signedInUser()?.id ?? null);
    const link = inviteLink(`${req.protocol}://${req.get('host') ?? 'localhost'}`, token);
    return { message: `Invite link${invite.label ? ` for ${invite.label}` : ''}: copy it now, it is not shown again. It works once, until ${new Date(invite.expiresAt).toISOString().replace('T', ' ').slice(0, 16)} UTC.`, link };
  });
  action('/admin/invites/revoke', (b) => {
    const invite = accounts.invites.revoke(field(b, 'id'));
    return `Revoked the invite${invite.label ? ` for ${invite.label}` : ''}: its link no longer works.`;
  });

  return router;
}
