/**
 * Password hashes: scrypt (memory-hard) with a random 16-byte salt per password. The stored form
 * carries its parameters, so they can be raised later without invalidating older hashes:
 *
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<64-byte key, base64url>
 *
 * Defaults N = 2^15, r = 8, p = 1 (32 MiB and roughly 50-100 ms per hash on one core), the
 * minimum OWASP names for scrypt. `needsRehash` tells a caller that a hash was made with weaker
 * parameters than the current ones (re-hash at the next successful sign-in).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N (15 means N = 32768). */
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { logN: 15, r: 8, p: 1 };
const KEY_BYTES = 64;
const SALT_BYTES = 16;
const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{40,})$/;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is exactly the default's need.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new hash of `password` in the stored form above. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$${params.logN}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The parameters a stored hash was made with; undefined for anything not in the stored form. */
export function hashParams(stored: string): ScryptParams | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  return { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
}

/** True when `password` matches `stored` (constant-time comparison); false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  const params = hashParams(stored);
  if (!m || !params || params.logN < 10 || params.logN > 22) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await derive(password, Buffer.from(m[4]!, 'base64url'), params);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** True when `stored` was made with weaker parameters than `current`. */
export function needsRehash(stored: string, current: ScryptParams = DEFAULT_SCRYPT): boolean {
  const p = hashParams(stored);
  return p === undefined || p.logN < current.logN || p.r < current.r || p.p < current.p;
}

/**
 * A hash of a random password, checked against when a sign-in names no known user, so a missing
 * account takes as long to refuse as a wrong password (no user enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64url'));
  return decoy;
}
