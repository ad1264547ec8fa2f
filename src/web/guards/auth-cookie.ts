/**
 * The sign-in cookie: `docent_auth`, a random 32-byte session id (base64url) in an HttpOnly,
 * SameSite=Lax cookie, Secure when the request came over HTTPS. Lax (not Strict, unlike the
 * request-token cookie of ./session-token.ts) so a link to Docent from elsewhere opens
 * signed in; Lax still keeps it off cross-site POSTs, and the cross-site guard refuses those anyway.
 * The server keeps only the id's hash (src/accounts/account-store.ts).
 */
import type { Request, Response } from 'express';

export const AUTH_COOKIE = 'docent_auth';
const ID = /^[A-Za-z0-9_-]{43}$/;

export function authSessionOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== AUTH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (ID.test(value)) return value;
  }
  return undefined;
}

export function setAuthCookie(req: Request, res: Response, sessionId: string, maxAgeMs: number): void {
  const secure = req.secure ? '; Secure' : '';
  res.append('Set-Cookie', `${AUTH_COOKIE}=${sessionId}; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}; HttpOnly; SameSite=Lax${secure}`);
}

export function clearAuthCookie(req: Request, res: Response): void {
  const secure = req.secure ? '; Secure' : '';
  res.append('Set-Cookie', `${AUTH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`);
}
