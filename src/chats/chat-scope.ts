/**
 * Whose chats a request may see. Chats are private once sign-in is on: a user lists, reads,
 * continues, votes on, regenerates, renames, exports and deletes only the chats they own (admins
 * included), and another's chat is answered exactly like a chat that does not exist.
 *
 * Chats without an owner were made while sign-in was off (single-user mode, or AUTH=off). With
 * sign-in off every chat is visible (scope undefined). With sign-in on they belong to the first
 * admin: the admin account created first (`legacy` in the scope). This is decided when a chat is
 * read, not by rewriting the rows, so it holds whenever users are added (by the CLI, while the web
 * runs) and passes to the next admin if the first one is removed.
 */
import type { ChatScope } from '../ports/chat-scope.ts';

export type { ChatScope } from '../ports/chat-scope.ts';

/** The SQL condition (on the chats table as `alias`) and its parameters; no scope: every chat. */
export function scopeWhere(scope: ChatScope | undefined, alias = 'c'): { sql: string; params: Array<string | number> } {
  if (!scope) return { sql: '1 = 1', params: [] };
  // Two shapes rather than one with a flag parameter, so a member's reads use the owner index.
  if (!scope.legacy) return { sql: `${alias}.owner = ?`, params: [scope.owner] };
  return { sql: `(${alias}.owner = ? OR ${alias}.owner IS NULL)`, params: [scope.owner] };
}

/** The first admin among `users` (earliest created, then id), or undefined when there is none. */
export function firstAdminId(users: ReadonlyArray<{ id: string; role: string; createdAt: number; disabled?: boolean }>): string | undefined {
  let first: { id: string; createdAt: number } | undefined;
  for (const u of users) {
    if (u.role !== 'admin') continue;
    if (!first || u.createdAt < first.createdAt || (u.createdAt === first.createdAt && u.id < first.id)) first = u;
  }
  return first?.id;
}
