/**
 * Sign-in throttling. Failures are counted under three keys, each with its own allowance:
 *   account + address   5 free failures: one guesser at one account;
 *   address             20: one address trying many accounts (password spraying);
 *   account             50: many addresses trying one account.
 * Past its allowance a key is locked for 30 s, doubling with each further failure up to 15 minutes;
 * attempts during a lock are refused without checking the password and do not extend it. A key's
 * count is forgotten 24 h after its last failure, and a successful sign-in clears the account's
 * keys. So a lock is never permanent, and a stranger who fails from another address spends the
 * shared account allowance (50) long before the owner's own address (account + address) is locked.
 *
 * Sign-up attempts (src/accounts/sign-up.ts) are counted here too, under an account key of their
 * own per address, so they share the per-address allowance with failed sign-ins.
 *
 * The counts live in this process (a restart forgets them); sharing them between web processes is
 * the shared rate-limit step of the accounts issue.
 */

interface Entry {
  failures: number;
  lastFailureAt: number;
}

const KINDS = { pair: 5, address: 20, account: 50 } as const;
const FIRST_LOCK_MS = 30_000;
const MAX_LOCK_MS = 15 * 60_000;
const FORGET_MS = 24 * 3_600_000;
const MAX_ENTRIES = 100_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private keys(account: string, address: string): Array<[string, number]> {
    return [
      [`p\u0000${account}\u0000${address}`, KINDS.pair],
      [`d\u0000${address}`, KINDS.address],
      [`a\u0000${account}`, KINDS.account],
    ];
  }

  private lockedUntil(key: string, allowance: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    if (this.now() - e.lastFailureAt > FORGET_MS) {
      this.entries.delete(key);
      return 0;
    }
    if (e.failures < allowance) return 0;
    return e.lastFailureAt + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (e.failures - allowance));
  }

  /** Milliseconds until `account` may try again from `address`; 0 = now. */
  retryAfterMs(account: string, address: string): number {
    const until = Math.max(...this.keys(account, address).map(([k, n]) => this.lockedUntil(k, n)));
    return Math.max(0, until - this.now());
  }

  failed(account: string, address: string): void {
    const now = this.now();
    if (this.entries.size >= MAX_ENTRIES) this.prune(now);
    for (const [key] of this.keys(account, address)) {
      const e = this.entries.get(key);
      if (!e || now - e.lastFailureAt > FORGET_MS) this.entries.set(key, { failures: 1, lastFailureAt: now });
      else {
        e.failures++;
        e.lastFailureAt = now;
      }
    }
  }

  succeeded(account: string, address: string): void {
    const [pair, , acct] = this.keys(account, address);
    this.entries.delete(pair![0]);
    this.entries.delete(acct![0]);
  }

  /** Drops the entries not locked now, oldest first, when the map is full (a flood of addresses). */
  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (now - e.lastFailureAt > MAX_LOCK_MS || this.entries.size >= MAX_ENTRIES) this.entries.delete(key);
      if (this.entries.size < MAX_ENTRIES / 2) break;
    }
  }
}
