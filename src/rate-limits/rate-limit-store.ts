/**
 * Rate-limit counts in SQLite (DATA_DIR/rate-limits.db), shared by every web process that opens
 * the same file, as the web processes sharing DATA_DIR do (the Helm chart's ReadWriteMany volume,
 * docker compose's one volume). Two kinds of count:
 *   sliding windows of requests (hits, hit_totals: ./sliding-log.ts), at most `limit` in any span
 *             of `windowMs`;
 *   failures  (key, failures, last_at, forget_at)   counts of failed sign-ins (../accounts/login-throttle.ts).
 * Keys are `<kind>\0<subject>`, chosen by the callers. Every check-and-count is one IMMEDIATE
 * transaction (the write lock is taken before reading), so two processes counting at once never
 * both see the last free place. WAL and a busy timeout let them wait for each other instead of
 * failing. Rows whose window or forgetting time has passed are pruned at most once a minute per
 * process. A lost file only forgets counts: nothing in it needs a backup. The `windows` table of
 * the fixed windows of older versions is left alone for their processes still running during an
 * upgrade.
 */
import Database from 'better-sqlite3';
import { shareableSqlite } from '../shared/sqlite-wal.ts';
import { SLIDING_LOG_SCHEMA, SlidingLog, type WindowCheck } from './sliding-log.ts';

export type { WindowCheck } from './sliding-log.ts';

/** `ok`, or refused by `refusedBy` (the check with the longest wait), allowed again in `retryAfterMs`. */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number; refusedBy: WindowCheck };

export interface FailureCount {
  failures: number;
  lastAt: number;
}

const PRUNE_EVERY_MS = 60_000;
const BUSY_TIMEOUT_MS = 5_000;

export class RateLimitStore {
  private readonly db: Database.Database;
  private readonly windows: SlidingLog;
  private closed = false;
  private lastPruneAt = 0;

  /** `file` is a path or ':memory:' (one process alone: the CLI, tests). */
  constructor(file: string) {
    this.db = new Database(file);
    shareableSqlite(this.db, BUSY_TIMEOUT_MS);
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      ${SLIDING_LOG_SCHEMA}
      CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL, forget_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS failures_forget ON failures (forget_at);
    `);
    this.windows = new SlidingLog(this.db);
  }

  /**
   * Counts `cost` under every check when each stays within its limit over the last `windowMs`;
   * otherwise counts nothing and says how long until the check that waits longest would allow it.
   * A limit of 0 or less is no limit.
   */
  take(checks: readonly WindowCheck[], now: number, cost = 1): TakeResult {
    const active = checks.filter((c) => c.limit > 0);
    if (active.length === 0) return { ok: true };
    const result = this.db
      .transaction((): TakeResult => {
        const refused = this.windows.refusal(active, now, cost);
        if (refused) return { ok: false, ...refused };
        this.windows.count(active, now, cost);
        return { ok: true };
      })
      .immediate();
    this.maybePrune(now);
    return result;
  }

  /** Adds `cost` under every check without refusing (work already done, e.g. the further files of an upload). */
  charge(checks: readonly WindowCheck[], now: number, cost: number): void {
    if (cost <= 0) return;
    const active = checks.filter((c) => c.limit > 0);
    this.db.transaction(() => this.windows.count(active, now, cost)).immediate();
  }

  /** The failure counts under `keys` (absent: none, or forgotten). */
  failureCounts(keys: readonly string[], now: number): Map<string, FailureCount> {
    const read = this.db.prepare<[string, number], { failures: number; last_at: number }>('SELECT failures, last_at FROM failures WHERE key = ? AND forget_at > ?');
    const out = new Map<string, FailureCount>();
    for (const k of keys) {
      const r = read.get(k, now);
      if (r) out.set(k, { failures: r.failures, lastAt: r.last_at });
    }
    return out;
  }

  /** Counts one failure under every key (one forgotten `forgetMs` after its last failure starts again at 1), atomically. */
  addFailure(keys: readonly string[], now: number, forgetMs: number): void {
    const add = this.db.prepare(
      `INSERT INTO failures (key, failures, last_at, forget_at) VALUES (@key, 1, @now, @forgetAt)
       ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN forget_at > @now THEN failures + 1 ELSE 1 END, last_at = @now, forget_at = @forgetAt`,
    );
    this.db.transaction(() => {
      for (const key of keys) add.run({ key, now, forgetAt: now + forgetMs });
    }).immediate();
    this.maybePrune(now);
  }

  clearFailures(keys: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM failures WHERE key = ?');
    this.db.transaction(() => {
      for (const key of keys) del.run(key);
    })();
  }

  /** Removes hits that have left their window and failures that are forgotten; returns how many. */
  prune(now: number): number {
    this.lastPruneAt = now;
    return this.db.transaction(() => this.windows.prune(now) + this.db.prepare('DELETE FROM failures WHERE forget_at <= ?').run(now).changes).immediate();
  }

  private maybePrune(now: number): void {
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS || now < this.lastPruneAt) this.prune(now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

