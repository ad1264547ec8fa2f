/**
 * Single sign-on settings (OIDC_* variables), checked once at start by src/config.ts:
 *   - OIDC_ISSUER and OIDC_CLIENT_ID turn single sign-on on (one without the other is an error);
 *     OIDC_CLIENT_SECRET is left out for a public client (PKCE alone then protects the code);
 *   - the issuer must be https, except on a loopback host (a provider on the same machine, tests);
 *   - OIDC_SCOPES must include `openid`;
 *   - OIDC_REDIRECT_URL, when set, must end in /auth/oidc/callback (the route that receives the code);
 *     unset, it is made from each request's own scheme and host (fine without a proxy in front);
 *   - OIDC_ADMIN_GROUPS: names in the OIDC_GROUPS_CLAIM claim that make a new user an admin.
 * Returns a message naming the variable for a bad combination, never throws.
 */
import { isLoopbackHost } from '../auth-mode.ts';

export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  redirectUrl: string | undefined;
  defaultRole: 'admin' | 'member';
  scopes: string;
  /** Shown on the button: "Sign in with <providerName>". Default: the issuer's host name. */
  providerName: string;
  adminGroups: readonly string[];
  groupsClaim: string;
}

export interface OidcEnv {
  OIDC_ISSUER?: string | undefined;
  OIDC_CLIENT_ID?: string | undefined;
  OIDC_CLIENT_SECRET?: string | undefined;
  OIDC_REDIRECT_URL?: string | undefined;
  OIDC_DEFAULT_ROLE: 'admin' | 'member';
  OIDC_SCOPES: string;
  OIDC_PROVIDER_NAME?: string | undefined;
  OIDC_ADMIN_GROUPS?: string | undefined;
  OIDC_GROUPS_CLAIM: string;
}

/** The settings, undefined when single sign-on is off, or `{ error }` naming what to fix. */
export function readOidcSettings(e: OidcEnv): OidcSettings | undefined | { error: string } {
  if (e.OIDC_ISSUER === undefined && e.OIDC_CLIENT_ID === undefined) {
    if (e.OIDC_CLIENT_SECRET !== undefined) return { error: 'OIDC_CLIENT_SECRET: set OIDC_ISSUER and OIDC_CLIENT_ID too (or unset it)' };
    return undefined;
  }
  if (e.OIDC_ISSUER === undefined) return { error: 'OIDC_ISSUER: set it with OIDC_CLIENT_ID (the provider\'s URL, e.g. https://auth.example.com/realms/team)' };
  if (e.OIDC_CLIENT_ID === undefined) return { error: 'OIDC_CLIENT_ID: set it with OIDC_ISSUER (the client id registered at the provider)' };
  const issuer = new URL(e.OIDC_ISSUER);
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname))) {
    return { error: 'OIDC_ISSUER: must be an https:// URL (plain http only for a provider on this machine)' };
  }
  const scopes = e.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean);
  if (!scopes.includes('openid')) return { error: 'OIDC_SCOPES: must include "openid" (e.g. "openid profile email")' };
  if (e.OIDC_REDIRECT_URL !== undefined && new URL(e.OIDC_REDIRECT_URL).pathname !== OIDC_CALLBACK_PATH) {
    return { error: `OIDC_REDIRECT_URL: must end in ${OIDC_CALLBACK_PATH} (e.g. https://docent.example.com${OIDC_CALLBACK_PATH})` };
  }
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    redirectUrl: e.OIDC_REDIRECT_URL,
    defaultRole: e.OIDC_DEFAULT_ROLE,
    scopes: scopes.join(' '),
    providerName: e.OIDC_PROVIDER_NAME ?? issuer.hostname,
    adminGroups: (e.OIDC_ADMIN_GROUPS ?? '').split(',').map((g) => g.trim()).filter(Boolean),
    groupsClaim: e.OIDC_GROUPS_CLAIM,
  };
}
