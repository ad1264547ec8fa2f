/**
 * How the account store keys what it keeps, shared by its tables' modules: user names are unique
 * under `nameKey` ("Ada" and "ada" are one user); secrets (session ids, API tokens, pending
 * single sign-on ids) are kept as their SHA-256, never the secret itself. Also the roles a user
 * can have, which the rights module reads without depending on the store.
 */
import { createHash } from 'node:crypto';

export const nameKey = (name: string): string => name.normalize('NFC').toLowerCase();

export const secretHash = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export type Role = 'admin' | 'member';
