/**
 * Which mode the web runs in, decided at start (and logged):
 *   - users exist (or single sign-on is configured: OIDC_ISSUER) and AUTH=auto: sign-in required (every page and API route but /login, health, static);
 *   - no users: single-user, as before accounts existed; only on a loopback HOST, because anyone who
 *     can reach the port has every right. A non-loopback HOST is refused unless AUTH=off says so;
 *   - AUTH=off: no sign-in whatever the store holds (a proxy in front does it, or a trusted network).
 * The web re-checks "users exist" on each request, so adding the first admin while it runs turns
 * sign-in on without a restart.
 */
import net from 'node:net';

export type AuthMode = 'sign-in' | 'single-user' | 'off';

export class AuthModeError extends Error {
  override name = 'AuthModeError';
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(h);
  return false;
}

export const FIRST_ADMIN_HINT = 'npm run users -- add NAME --admin';

/** The mode for this start; throws AuthModeError (with what to do) for the refused case. */
export function decideAuthMode(setting: 'auto' | 'off', hasUsers: boolean, host: string, singleSignOn = false): AuthMode {
  if (setting === 'off') return 'off';
  // With single sign-on, whoever the provider vouches for becomes a user: sign-in from the start.
  if (hasUsers || singleSignOn) return 'sign-in';
  if (isLoopbackHost(host)) return 'single-user';
  throw new AuthModeError(
    `HOST=${host} would let anyone on the network in: Docent has no users yet, so it runs without sign-in. ` +
      `Add the first admin with \`${FIRST_ADMIN_HINT}\` (or configure single sign-on, OIDC_ISSUER) and start again, or set AUTH=off to serve without sign-in on purpose.`,
  );
}

/** The start-up log line for a mode. */
export function authModeMessage(mode: AuthMode): string {
  switch (mode) {
    case 'sign-in':
      return 'sign-in required: accounts exist or single sign-on is configured (manage accounts with `npm run users`)';
    case 'single-user':
      return `single-user mode: no accounts, no sign-in (loopback only); add the first admin with \`${FIRST_ADMIN_HINT}\``;
    case 'off':
      return 'AUTH=off: no sign-in; everyone who reaches this port has every right';
  }
}
