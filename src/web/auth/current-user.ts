/**
 * The signed-in user of the request being handled, for the page shell (templates/layout.ts) to
 * show in the nav without every page template taking it as a parameter. Set by the auth gate
 * (./auth-gate.ts) around the rest of the request; undefined when sign-in is off.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface SignedInUser {
  id: string;
  name: string;
  role: 'admin' | 'member';
}

const storage = new AsyncLocalStorage<SignedInUser>();

export function runAs<T>(user: SignedInUser, fn: () => T): T {
  return storage.run(user, fn);
}

export function signedInUser(): SignedInUser | undefined {
  return storage.getStore();
}
