/**
 * Sliding-window counts in the rate-limit store's SQLite file (./rate-limit-store.ts), exactly: a
 * take is allowed when what was counted under its key in the last `windowMs` plus its cost stays
 * within the limit, so no span of `windowMs` ever holds more than the limit (the fixed windows
 * before let a burst at the end of one and another at the start of the next through: twice the
 * allowance in a moment). A refusal waits until enough of the oldest hits have left the window.
 *
 *   hits        (key, at, count, expires_at)  what was counted under a key at each millisecond;
 *   hit_totals  (key, count)                  each key's sum of `hits`, kept by triggers, so a
 *                                             check reads one row however many hits a key holds.
 * A check first drops its key's hits that have left the window (an index range, usually empty or a
 * row), then reads the total. The wait reads the oldest hits only until enough would have left.
 *
 * An exact log rather than the two-window estimate (previous count x overlap + current count)
 * because it stays small: a refused take logs nothing, so a key holds at most its allowance (plus
 * what `charge` added past it) in rows, hits of one millisecond share a row, and the allowances are
 * at most thousands. The callers run each method inside one IMMEDIATE transaction.
 */
import type Database from 'better-sqlite3';

/** One allowance to check: at most `limit` per `windowMs` under `key`. */
export interface WindowCheck {
  key: string;
  limit: number;
  windowMs: number;
}

/** A check that would be past its limit: how long until it is not, and which. */
export interface Refusal {
  retryAfterMs: number;
  refusedBy: WindowCheck;
}

export const SLIDING_LOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at INTEGER NOT NULL, count INTEGER NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (key, at)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS hits_expiry ON hits (expires_at);
  CREATE TABLE IF NOT EXISTS hit_totals (key TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TRIGGER IF NOT EXISTS hits_added AFTER INSERT ON hits BEGIN
    INSERT OR IGNORE INTO hit_totals (key, count) VALUES (new.key, 0);
    UPDATE hit_totals SET count = count + new.count WHERE key = new.key;
  END;
  CREATE TRIGGER IF NOT EXISTS hits_grown AFTER UPDATE OF count ON hits BEGIN
    UPDATE hit_totals SET count = count + new.count - old.count WHERE key = new.key;
  END;
  CREATE TRIGGER IF NOT EXISTS hits_removed AFTER DELETE ON hits BEGIN
    UPDATE hit_totals SET count = count - old.count WHERE key = old.key;
  END;
`;

export class SlidingLog {
  private readonly dropOld: Database.Statement<[string, number]>;
  private readonly total: Database.Statement<[string], { count: number }>;
  private readonly oldestFirst: Database.Statement<[string], { at: number; count: number }>;
  private readonly add: Database.Statement<[string, number, number, number]>;
  private readonly pruneHits: Database.Statement<[number]>;
  private readonly pruneTotals: Database.Statement;

  /** `db` already holds SLIDING_LOG_SCHEMA. */
  constructor(db: Database.Database) {
    this.dropOld = db.prepare('DELETE FROM hits WHERE key = ? AND at <= ?');
    this.total = db.prepare('SELECT count FROM hit_totals WHERE key = ?');
    this.oldestFirst = db.prepare('SELECT at, count FROM hits WHERE key = ? ORDER BY at');
    this.add = db.prepare('INSERT INTO hits (key, at, count, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key, at) DO UPDATE SET count = count + excluded.count');
    this.pruneHits = db.prepare('DELETE FROM hits WHERE expires_at <= ?');
    this.pruneTotals = db.prepare('DELETE FROM hit_totals WHERE count <= 0');
  }

  /** The refusal of the check that would wait longest for `cost` more at `now`; undefined when every check allows it. */
  refusal(checks: readonly WindowCheck[], now: number, cost: number): Refusal | undefined {
    let refused: Refusal | undefined;
    for (const c of checks) {
      this.dropOld.run(c.key, now - c.windowMs);
      const counted = this.total.get(c.key)?.count ?? 0;
      if (counted + cost <= c.limit) continue;
      const wait = this.waitFor(c, counted, cost, now);
      if (!refused || wait > refused.retryAfterMs) refused = { retryAfterMs: wait, refusedBy: c };
    }
    return refused;
  }

  /** Logs `cost` at `now` under every check. */
  count(checks: readonly WindowCheck[], now: number, cost: number): void {
    for (const c of checks) this.add.run(c.key, now, cost, now + c.windowMs);
  }

  /** Removes the hits that have left their window; returns how many. */
  prune(now: number): number {
    const removed = this.pruneHits.run(now).changes;
    this.pruneTotals.run();
    return removed;
  }

  /**
   * Milliseconds (at least 1) until `cost` more fits: until the oldest hits holding the key past its
   * limit have left the window. More than the whole allowance at once never fits; it is told to
   * wait until the window is empty.
   */
  private waitFor(c: WindowCheck, counted: number, cost: number, now: number): number {
    const excess = Math.min(counted + cost - c.limit, counted);
    let gone = 0;
    let at = now;
    for (const h of this.oldestFirst.iterate(c.key)) {
      gone += h.count;
      at = h.at;
      if (gone >= excess) break;
    }
    return Math.max(1, at + c.windowMs - now);
  }
}
