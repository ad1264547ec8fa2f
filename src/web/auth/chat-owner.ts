/**
 * The chat scope of the request being handled (src/chats/chat-scope.ts): with sign-in on, the
 * signed-in user's own chats (the first admin also holds the chats made before sign-in was on);
 * with sign-in off, every chat. The routes that take a chat id, an answer id or list chats ask
 * this once per request and hand the scope to the chat store, so another's chat is a 404.
 */
import { firstAdminId, type ChatScope } from '../../chats/chat-scope.ts';
import { signedInUser } from './current-user.ts';

export interface ChatOwners {
  /** Whose chats this request may see; undefined: every chat (sign-in off). */
  scope(): ChatScope | undefined;
  /** The owner of a chat this request starts, and the user analytics records (null: sign-in off). */
  userId(): string | null;
}

/** `users` lists the accounts (to find the first admin); without it no user holds the owner-less chats. */
export function chatOwners(users?: () => ReadonlyArray<{ id: string; role: string; createdAt: number }>): ChatOwners {
  return {
    scope() {
      const u = signedInUser();
      if (!u) return undefined;
      return { owner: u.id, legacy: users !== undefined && u.role === 'admin' && firstAdminId(users()) === u.id };
    },
    userId: () => signedInUser()?.id ?? null,
  };
}
