/**
 * The analytics store: SQLite through better-sqlite3, one file under the data directory
 * (`analytics.db`), WAL mode; `:memory:` for tests. Schema and its meaning: ./schema.ts.
 *
 * Idempotency: every write is ONE transaction that (1) claims the event id in processed_events,
 * (2) applies the event only if the claim was new, and (3) records the consumed offset. A replayed
 * record, a redelivery after a crash, or a rebuild from the topics therefore never double-counts,
 * and the offsets never run ahead of, or behind, what the tables hold.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { shareableSqlite } from '../shared/sqlite-wal.ts';
import { backfillQuality } from './answer-citations.ts';
import { backfillBuckets } from './bucket-writer.ts';
import { backfillChannels } from './channel-backfill.ts';
import {
  MIGRATE_TO_V4_SQL, MIGRATE_TO_V5_SQL, MIGRATE_TO_V6_SQL, MIGRATE_TO_V7_ANSWERS_SQL, MIGRATE_TO_V7_BUCKETS_SQL, MIGRATE_V1_SQL, SCHEMA_SQL, SCHEMA_VERSION,
} from './schema.ts';
import { SqliteAnalyticsStore } from './sqlite-store.ts';
import type { AnalyticsStore } from './store-api.ts';

export type { AnalyticsStore, BatchItem, ConsumedOffset, QaSentiment } from './store-api.ts';

/** The store file inside a data directory (`config.paths.data`). */
export function analyticsDbPath(dataDir: string): string {
  return path.join(dataDir, 'analytics.db');
}

/** Opens (creating if needed) the store at `file`, or an in-memory one for `:memory:`. */
export function openAnalyticsStore(file: string): AnalyticsStore {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // More than one process may open the same file (web replicas, an operator's rebuild, a second
    // consumer): wait for the other's lock, first of all for the switch to WAL.
    shareableSqlite(db);
    // NORMAL in WAL mode may lose the last commits on power loss, never corrupt; the offsets are
    // lost with them, so those records are simply consumed again.
    db.pragma('synchronous = NORMAL');
    migrate(db);
    return new SqliteAnalyticsStore(db);
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Brings the file to SCHEMA_VERSION in one IMMEDIATE transaction that reads the version itself:
 * processes opening the same file at once (two web replicas sharing DATA_DIR, a consumer) take
 * turns on the write lock (busy_timeout), and the later one finds the file migrated. A deferred
 * transaction would read first and then fail at its first write (SQLITE_BUSY, no wait) when the
 * other process committed in between.
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`analytics database has schema version ${version}, this build knows up to ${SCHEMA_VERSION}`);
    }
    // Version 1 had no buckets: add the columns, create the tables, fill the buckets from the rows,
    // all in one transaction so an interrupted migration is simply done again.
    if (version === 1) db.exec(MIGRATE_V1_SQL);
    // The column may exist already (a file rolled back to an older version number by hand).
    const columns = db.pragma('table_info(answers)') as Array<{ name: string }>;
    if (version >= 1 && version < 4 && !columns.some((c) => c.name === 'channel')) db.exec(MIGRATE_TO_V4_SQL);
    if (version >= 1 && version < 5 && !columns.some((c) => c.name === 'user_id')) db.exec(MIGRATE_TO_V5_SQL);
    if (version >= 1 && version < 6 && !columns.some((c) => c.name === 'refused')) db.exec(MIGRATE_TO_V6_SQL);
    if (version >= 1 && version < 7 && !columns.some((c) => c.name === 'flagged_sources')) db.exec(MIGRATE_TO_V7_ANSWERS_SQL);
    // Version 1 files have no bucket table yet: SCHEMA_SQL creates it with the column.
    const bucketColumns = db.pragma('table_info(agg_buckets)') as Array<{ name: string }>;
    if (bucketColumns.length > 0 && version < 7 && !bucketColumns.some((c) => c.name === 'flagged')) db.exec(MIGRATE_TO_V7_BUCKETS_SQL);
    db.exec(SCHEMA_SQL);
    if (version === 1) backfillBuckets(db);
    if (version >= 1 && version < 6) backfillQuality(db);
    // Version 8 filters by channel: every stored answer gains its channel scope and buckets.
    if (version >= 1 && version < 8) backfillChannels(db);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
