/**
 * Per-session request tokens. A browser session is a random id in an HttpOnly, SameSite=Strict
 * cookie; its token is HMAC-SHA256(secret, id), which pages fetch from GET /api/session (a response
 * only same-origin scripts can read) and send back as the `X-CSRF-Token` header on every request
 * that changes something.
 *
 * Why signed and not the cookie itself: cookies are shared between ports of one host, so another
 * local service (or a page it serves) can plant a cookie of its choosing; without the secret it
 * still cannot compute the token that goes with it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'docent_session';
export const TOKEN_HEADER = 'x-csrf-token';
const ID = /^[A-Za-z0-9_-]{32,64}$/;

export class SessionTokens {
  private readonly key: Buffer;

  constructor(secret: string | Buffer) {
    this.key = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, 'utf8');
  }

  tokenFor(sessionId: string): string {
    return createHmac('sha256', this.key).update(sessionId).digest('base64url');
  }

  /** True when `token` belongs to `sessionId` (constant-time comparison). */
  verify(sessionId: string, token: string): boolean {
    const expected = Buffer.from(this.tokenFor(sessionId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** The session id the request's cookie carries, if it is well formed. */
export function sessionIdOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (ID.test(value)) return value;
  }
  return undefined;
}

/** The request's session id, starting a session (Set-Cookie) when it has none. */
export function ensureSession(req: Request, res: Response): string {
  const existing = sessionIdOf(req);
  if (existing !== undefined) return existing;
  const id = randomBytes(32).toString('base64url');
  const secure = req.secure ? '; Secure' : '';
  res.append('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict${secure}`);
  return id;
}

/**
 * The signing secret: SESSION_SECRET when set, else DATA_DIR/session-secret, created once with a
 * random value (mode 0600, written atomically so concurrent first starts agree on one file).
 */
export async function loadSessionSecret(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (configured !== undefined) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'session-secret');
  const read = async (): Promise<Buffer | undefined> => {
    const b = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return b !== undefined && b.length >= 32 ? b : undefined;
  };
  const found = await read();
  if (found) return found;
  await fs.mkdir(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(tmp, randomBytes(48), { mode: 0o600 });
  // link() fails when another process won the race; then its secret is the one to use.
  await fs.link(tmp, file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await fs.rm(tmp, { force: true });
  const written = await read();
  if (!written) throw new Error(`${file} holds no usable secret; delete it and start again`);
  return written;
}
