/**
 * The rights of the request being handled: undefined while sign-in is off (every right, as before
 * accounts); the signed-in user's (./current-user.ts, set by the auth gate) otherwise. A request
 * that reaches a service with sign-in on but no user gets no right at all (fails closed).
 */
import type { Accounts } from '../../accounts/accounts.ts';
import { NO_ACCESS } from '../../accounts/rights.ts';
import type { AccessLookup } from './access-checks.ts';
import { signedInUser } from './current-user.ts';

export function accessLookup(accounts: Accounts, signInRequired: () => boolean): AccessLookup {
  return () => {
    if (!signInRequired()) return undefined;
    const user = signedInUser();
    return user ? accounts.rights.accessFor(user) : NO_ACCESS;
  };
}
