/**
 * Who a single sign-on user becomes in Docent, from the provider's claims: the name (first of
 * preferred_username, the e-mail's local part, name; cut to Docent's name rules and made unique
 * with -2, -3, …) and the role on first sign-in (admin when a group in OIDC_ADMIN_GROUPS is in the
 * groups claim, otherwise OIDC_DEFAULT_ROLE). Later sign-ins keep the name and the role the user
 * has in Docent (admins change roles on the Admin page).
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../account-store.ts';
import type { OidcClaims } from './oidc-client.ts';
import type { OidcSettings } from './oidc-settings.ts';

const MAX = 64;

/** A name Docent accepts (1-64 letters, digits and . _ @ -), or '' when nothing usable is left. */
export function cleanName(raw: string): string {
  return raw
    .normalize('NFC')
    .trim()
    .replace(/\s+/g, '.')
    .replace(/[^\p{L}\p{N}._@-]/gu, '')
    .slice(0, MAX);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The base name from the claims; "user" when none gives one. */
export function baseName(claims: OidcClaims): string {
  const email = text(claims.email);
  const candidates = [text(claims.preferred_username), email.includes('@') ? email.slice(0, email.indexOf('@')) : email, text(claims.name)];
  for (const c of candidates) {
    const n = cleanName(c);
    if (n) return n;
  }
  return 'user';
}

/** The names to try in turn: the base, base-2 … base-20, then base-<random>. */
export function* nameCandidates(base: string): Generator<string> {
  yield base;
  for (let i = 2; i <= 20; i++) yield `${base.slice(0, MAX - String(i).length - 1)}-${i}`;
  for (;;) yield `${base.slice(0, MAX - 9)}-${randomBytes(4).toString('hex')}`;
}

/** The role of a new user. */
export function roleFor(claims: OidcClaims, settings: OidcSettings): Role {
  const groups = claims[settings.groupsClaim];
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : typeof groups === 'string' ? [groups] : [];
  return settings.adminGroups.some((g) => list.includes(g)) ? 'admin' : settings.defaultRole;
}
