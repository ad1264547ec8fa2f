/**
 * Host header check (421 Misdirected Request for a name not in ALLOWED_HOSTS), first in the web
 * app so nothing is served under a foreign name. Binding to 127.0.0.1 does not stop a
 * DNS-rebinding page: its requests reach our address with `Host: attacker.example`.
 */
import type { RequestHandler } from 'express';
import { foreignHostMessage, hostAllowed, hostName } from '../../shared/host-names.ts';
import { HttpError } from '../http-error.ts';

export function hostGuard(allowed: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const name = hostName(req.get('host'));
    if (hostAllowed(name, allowed)) next();
    else next(new HttpError(421, foreignHostMessage(name)));
  };
}
