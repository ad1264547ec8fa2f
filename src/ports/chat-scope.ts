/**
 * Whose chats a request may see (the rules: src/chats/chat-scope.ts). Undefined where a scope is
 * taken means every chat (sign-in off).
 */
export interface ChatScope {
  /** The internal id of the signed-in user. */
  owner: string;
  /** Whether this user is the first admin, who also holds the chats without an owner. */
  legacy: boolean;
}
