/**
 * Sign-in throttling. Failures are counted under three keys, each with its own allowance
 * (defaults; settings SIGNIN_FAILURES_PER_NAME_AND_ADDRESS, _PER_ADDRESS, _PER_NAME):
 *   account + address   5 free failures: one guesser at one account;
 *   address             20: one address trying many accounts (password spraying);
 *   account             50: many addresses trying one account.
 * Past its allowance a key is locked for 30 s (SIGNIN_LOCK_SECONDS), doubling with each further
 * failure up to 15 minutes (SIGNIN_LOCK_MAX_MINUTES); attempts during a lock are refused without
 * checking the password and do not extend it. A key's
 * count is forgotten 24 h after its last failure, and a successful sign-in clears the account's
 * keys. So a lock is never permanent, and a stranger who fails from another address spends the
 * shared account allowance (50) long before the owner's own address (account + address) is locked.
 * The throttle cannot be turned off (every allowance is at least 1): without it a password could
 * be guessed online at the speed of the server.
 *
 * Sign-up attempts (src/accounts/sign-up.ts) are counted here too, under an account key of their
 * own per address, so they share the per-address allowance with failed sign-ins.
 *
 * The counts live in the shared rate-limit store (../rate-limits/rate-limit-store.ts, DATA_DIR/
 * rate-limits.db in the web), so a brute force spread over several web processes that share
 * DATA_DIR is throttled as one; a restart forgets nothing. Checking and counting are two steps (the
 * password is checked in between), so guesses already in flight when a lock starts still count.
 */

import { RateLimitStore } from '../rate-limits/rate-limit-store.ts';

/** The throttle's allowances and locks (config SIGNIN_*); every allowance at least 1. */
export interface LoginThrottleSettings {
  /** Free failures of one account from one address. Default 5. */
  perNameAndAddress: number;
  /** Free failures from one address, over all accounts. Default 20. */
  perAddress: number;
  /** Free failures of one account, from all addresses. Default 50. */
  perName: number;
  /** The first lock past an allowance; doubles with each further failure. Default 30 s. */
  firstLockMs: number;
  /** The longest lock. Default 15 minutes. */
  maxLockMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleSettings = { perNameAndAddress: 5, perAddress: 20, perName: 50, firstLockMs: 30_000, maxLockMs: 15 * 60_000 };
const FORGET_MS = 24 * 3_600_000;

export class LoginThrottle {
  /** `store`: the shared counts; default one of this process alone (the users CLI, tests). */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly store: RateLimitStore = new RateLimitStore(':memory:'),
    private readonly settings: LoginThrottleSettings = DEFAULT_LOGIN_THROTTLE,
  ) {}

  private keys(account: string, address: string): Array<[string, number]> {
    const s = this.settings;
    return [
      [`login-pair\u0000${account}\u0000${address}`, s.perNameAndAddress],
      [`login-address\u0000${address}`, s.perAddress],
      [`login-account\u0000${account}`, s.perName],
    ];
  }

  /** Milliseconds until `account` may try again from `address`; 0 = now. */
  retryAfterMs(account: string, address: string): number {
    const now = this.now();
    const keys = this.keys(account, address);
    const counts = this.store.failureCounts(keys.map(([k]) => k), now);
    let until = 0;
    for (const [key, allowance] of keys) {
      const e = counts.get(key);
      if (!e || e.failures < allowance) continue;
      until = Math.max(until, e.lastAt + Math.min(this.settings.maxLockMs, this.settings.firstLockMs * 2 ** (e.failures - allowance)));
    }
    return Math.max(0, until - now);
  }

  failed(account: string, address: string): void {
    this.store.addFailure(this.keys(account, address).map(([k]) => k), this.now(), FORGET_MS);
  }

  succeeded(account: string, address: string): void {
    const [pair, , acct] = this.keys(account, address);
    this.store.clearFailures([pair![0], acct![0]]);
  }
}
