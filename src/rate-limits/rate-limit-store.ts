/**
 * Rate-limit counts in SQLite (DATA_DIR/rate-limits.db), shared by every web process that opens
 * the same file, as the web processes sharing DATA_DIR do (the Helm chart's ReadWriteMany volume,
 * docker compose's one volume). Two tables:
 *   windows   (key, started_at, count, expires_at)  fixed windows that start at a key's first hit
 *             and last `windowMs` (so a burst at a boundary of the clock gets no double allowance);
 *   failures  (key, failures, last_at, forget_at)   counts of failed sign-ins (../accounts/login-throttle.ts).
 * Keys are `<kind>\0<subject>`, chosen by the callers. Every check-and-count is one IMMEDIATE
 * transaction (the write lock is taken before reading), so two processes counting at once never
 * both see the last free place. WAL and a busy timeout let them wait for each other instead of
 * failing. Rows whose window or forgetting time has passed are pruned at most once a minute per
 * process. A lost file only forgets counts: nothing in it needs a backup.
 */
import Database from 'better-sqlite3';

/** One allowance to check: at most `limit` per `windowMs` under `key`. */
export interface WindowCheck {
  key: string;
  limit: number;
  windowMs: number;
}

/** `ok`, or refused by `refusedBy` (the check with the longest wait), free again in `retryAfterMs`. */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number; refusedBy: WindowCheck };

export interface FailureCount {
  failures: number;
  lastAt: number;
}

const PRUNE_EVERY_MS = 60_000;
const BUSY_TIMEOUT_MS = 5_000;

interface WindowRow {
  started_at: number;
  count: number;
}

export class RateLimitStore {
  private readonly db: Database.Database;
  private closed = false;
  private lastPruneAt = 0;

  /** `file` is a path or ':memory:' (one process alone: the CLI, tests). */
  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS windows (key TEXT PRIMARY KEY, started_at INTEGER NOT NULL, count INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS windows_expiry ON windows (expires_at);
      CREATE TABLE IF NOT EXISTS failures (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL, forget_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS failures_forget ON failures (forget_at);
    `);
  }

  /**
   * Counts `cost` under every check when each stays within its limit; otherwise counts nothing and
   * says how long until the tightest refusing window ends. A limit of 0 or less is no limit.
   */
  take(checks: readonly WindowCheck[], now: number, cost = 1): TakeResult {
    const active = checks.filter((c) => c.limit > 0);
    if (active.length === 0) return { ok: true };
    const read = this.db.prepare<[string], WindowRow>('SELECT started_at, count FROM windows WHERE key = ?');
    const write = this.db.prepare('INSERT INTO windows (key, started_at, count, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET started_at = excluded.started_at, count = excluded.count, expires_at = excluded.expires_at');
    const result = this.db
      .transaction((): TakeResult => {
        const states = active.map((c) => {
          const row = read.get(c.key);
          const live = row !== undefined && now < row.started_at + c.windowMs;
          return { check: c, startedAt: live ? row.started_at : now, count: live ? row.count : 0 };
        });
        let refused: { retryAfterMs: number; refusedBy: WindowCheck } | undefined;
        for (const s of states) {
          if (s.count + cost <= s.check.limit) continue;
          const wait = s.startedAt + s.check.windowMs - now;
          if (!refused || wait > refused.retryAfterMs) refused = { retryAfterMs: Math.max(1, wait), refusedBy: s.check };
        }
        if (refused) return { ok: false, ...refused };
        for (const s of states) write.run(s.check.key, s.startedAt, s.count + cost, s.startedAt + s.check.windowMs);
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
    const add = this.db.prepare(
      `INSERT INTO windows (key, started_at, count, expires_at) VALUES (@key, @now, @cost, @now + @windowMs)
       ON CONFLICT (key) DO UPDATE SET
         count = CASE WHEN @now < expires_at THEN count + @cost ELSE @cost END,
         started_at = CASE WHEN @now < expires_at THEN started_at ELSE @now END,
         expires_at = CASE WHEN @now < expires_at THEN expires_at ELSE @now + @windowMs END`,
    );
    this.db.transaction(() => {
      for (const c of active) add.run({ key: c.key, now, cost, windowMs: c.windowMs });
    }).immediate();
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

  /** Removes windows that have ended and failures that are forgotten; returns the rows removed. */
  prune(now: number): number {
    this.lastPruneAt = now;
    return this.db.prepare('DELETE FROM windows WHERE expires_at <= ?').run(now).changes + this.db.prepare('DELETE FROM failures WHERE forget_at <= ?').run(now).changes;
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
