/**
 * The analytics database schema (SQLite). Applied by the store on open; `user_version` records
 * which version a file holds so a later change can migrate instead of guessing.
 *
 * - answers: one row per answered question (first qa event wins per answer id), with the
 *   sentiment scored at ingestion so the summary never re-runs the word list.
 * - votes: the current vote per answer. The latest by event time wins (ties broken by event id, so
 *   the outcome does not depend on arrival order); a re-vote replaces the earlier one.
 * - processed_events: every event id the store has applied (qa and votes); a replayed event is a no-op.
 * - consumer_offsets: the last offset applied per topic/partition, written in the same transaction
 *   as the event, so the store alone says how far it has got (resume at offset + 1).
 * - agg_buckets / agg_latency / agg_sentiment (version 2): incremental aggregates per 5-minute,
 *   hour and day bucket, written in the same transaction as the events (meaning: ./buckets.ts).
 *   Version 1 files are migrated: the new columns are added and the buckets filled from the rows.
 * - answer_collections (version 3): the collections of each answer, `asked` (the question was asked
 *   over it) and/or `cited` (a cited passage came from it). An answer asked over all collections has
 *   no `asked` rows; `at` is the answer's time, so one collection's answers of a range are an index
 *   range (newest first, keyset on (at, answer_id)). The analytics filter "collection X" means: asked over X or citing X. The
 *   buckets of one collection are the same tables with level `<level>@<collection id>` (e.g.
 *   `h@manuals`), written beside the unfiltered ones, so a filtered summary reads as few rows as an
 *   unfiltered one. Version 2 files gain the empty table: their answers carry no collections
 *   (events from before collections), so they count under "all collections" only.
 * - answers.channel (version 4): where the question came from (contracts/channel.ts); null for
 *   answers recorded before channels (shown as `web`). Older files gain the column.
 * - answers.user_id (version 5): the internal id of the user who asked (contracts/user-id.ts; never
 *   a name); null when sign-in was off and for answers recorded before it. The analytics filter
 *   "user X" is the scope `user:<id>` (contracts/analytics-scope.ts): a row in `answer_collections`
 *   with that id (asked = cited = 0) and buckets at level `<level>@user:<id>`, so a user's summary,
 *   recent answers and export read exactly like one collection's. Older files gain the column.
 * - answers.refused, answers.best_similarity, answer_citations (version 6): the quality view
 *   (./quality.ts). `refused` 1 when the answer says the documents do not hold it
 *   (contracts/refusal.ts); `best_similarity` the best cosine similarity retrieval found, null when
 *   unknown; `answer_citations` one row per document an answer cites, with the answer's time, so
 *   "citations per document in a range" is an index range on `at`. Older files gain the columns and
 *   the table, filled from the rows: `refused` read from the answer text, every source of a
 *   non-refused answer counted as cited (older events did not say which were), similarity null.
 * - answers.flagged_sources, agg_buckets.flagged (version 7): how many of an answer's sources the
 *   prompt-injection guard flagged (src/answer/injection-guard.ts), and per bucket how many answers
 *   had at least one, so "answers with a flagged source" is summed like the other counts. Older
 *   files gain both columns as 0: answers stored before are counted as having none (a rebuild from
 *   the topics, ./rebuild.ts, counts them from their events).
 * - channel scopes (version 8): the analytics filter "channel X" is the scope `channel:<X>`
 *   (contracts/analytics-scope.ts), stored like a user's: a row in `answer_collections` (asked =
 *   cited = 0) and buckets at level `<level>@channel:<X>`; an answer recorded before channels is
 *   `web`. No new columns or tables: older files gain the rows and buckets from their answers
 *   (./channel-backfill.ts).
 */
export const SCHEMA_VERSION = 8;

/** Bucket columns holding the min and max of each stage (fixed names, see STAGE_COLUMNS). */
export const STAGE_RANGE_COLUMNS = ['total', 'queue_wait', 'retrieval', 'first_token', 'generation'] as const;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS answers (
  event_id             TEXT    NOT NULL UNIQUE,
  answer_id            TEXT    NOT NULL UNIQUE,
  chat_id              TEXT    NOT NULL,
  question             TEXT    NOT NULL,
  answer               TEXT    NOT NULL,
  worker               TEXT    NOT NULL,
  model                TEXT    NOT NULL,
  queue_wait_ms        REAL    NOT NULL,
  retrieval_ms         REAL    NOT NULL,
  first_token_ms       REAL    NOT NULL,
  generation_ms        REAL    NOT NULL,
  total_ms             REAL    NOT NULL,
  prompt_tokens        INTEGER NOT NULL,
  completion_tokens    INTEGER NOT NULL,
  tokens_per_second    REAL,
  question_score       REAL    NOT NULL,
  question_comparative REAL    NOT NULL,
  answer_score         REAL    NOT NULL,
  answer_comparative   REAL    NOT NULL,
  at                   REAL    NOT NULL,
  scored_published     INTEGER NOT NULL DEFAULT 0,
  sources              TEXT    NOT NULL DEFAULT '[]',
  settings             TEXT,
  channel              TEXT,
  user_id              TEXT,
  refused              INTEGER NOT NULL DEFAULT 0,
  best_similarity      REAL,
  flagged_sources      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);

CREATE TABLE IF NOT EXISTS answer_citations (
  answer_id     TEXT NOT NULL,
  document_id   TEXT NOT NULL,
  document_name TEXT NOT NULL,
  at            REAL NOT NULL,
  PRIMARY KEY (answer_id, document_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answer_citations_by_time ON answer_citations (at, document_id);

CREATE TABLE IF NOT EXISTS answer_collections (
  answer_id     TEXT    NOT NULL,
  collection_id TEXT    NOT NULL,
  asked         INTEGER NOT NULL DEFAULT 0,
  cited         INTEGER NOT NULL DEFAULT 0,
  at            REAL    NOT NULL,
  PRIMARY KEY (answer_id, collection_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS answer_collections_by_time ON answer_collections (collection_id, at, answer_id);

CREATE TABLE IF NOT EXISTS votes (
  answer_id TEXT PRIMARY KEY,
  vote      TEXT NOT NULL CHECK (vote IN ('up', 'down')),
  event_id  TEXT NOT NULL,
  at        REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS processed_events (
  event_id     TEXT    PRIMARY KEY,
  kind         TEXT    NOT NULL,
  processed_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS consumer_offsets (
  topic     TEXT    NOT NULL,
  partition INTEGER NOT NULL,
  "offset"  INTEGER NOT NULL,
  PRIMARY KEY (topic, partition)
);

CREATE TABLE IF NOT EXISTS agg_buckets (
  level   TEXT    NOT NULL,
  start   INTEGER NOT NULL,
  answers INTEGER NOT NULL DEFAULT 0,
  up      INTEGER NOT NULL DEFAULT 0,
  down    INTEGER NOT NULL DEFAULT 0,
  q_sum   INTEGER NOT NULL DEFAULT 0,
  a_sum   INTEGER NOT NULL DEFAULT 0,
  tps_sum INTEGER NOT NULL DEFAULT 0,
  tps_n   INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0,
${STAGE_RANGE_COLUMNS.map((c) => `  min_${c} REAL, max_${c} REAL,`).join('\n')}
  PRIMARY KEY (level, start)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS agg_latency (
  level TEXT    NOT NULL,
  start INTEGER NOT NULL,
  stage TEXT    NOT NULL,
  bin   INTEGER NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (level, start, stage, bin)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS agg_sentiment (
  level TEXT    NOT NULL,
  start INTEGER NOT NULL,
  kind  TEXT    NOT NULL CHECK (kind IN ('q', 'a')),
  bin   INTEGER NOT NULL,
  n     INTEGER NOT NULL DEFAULT 0,
  up    INTEGER NOT NULL DEFAULT 0,
  down  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (level, start, kind, bin)
) WITHOUT ROWID;
`;

/** Version 1 -> 2: columns the answer detail needs (the aggregates are back-filled by the store). */
export const MIGRATE_V1_SQL = `
ALTER TABLE answers ADD COLUMN sources TEXT NOT NULL DEFAULT '[]';
ALTER TABLE answers ADD COLUMN settings TEXT;
`;

/** Versions 1-3 -> 4: the answer's channel (null for the answers already stored). */
export const MIGRATE_TO_V4_SQL = `ALTER TABLE answers ADD COLUMN channel TEXT;`;

/** Versions 1-4 -> 5: the asking user's internal id (null for the answers already stored). */
export const MIGRATE_TO_V5_SQL = `ALTER TABLE answers ADD COLUMN user_id TEXT;`;

/** Versions 1-5 -> 6: the quality columns (filled by ./quality-backfill.ts; the table comes with SCHEMA_SQL). */
export const MIGRATE_TO_V6_SQL = `
ALTER TABLE answers ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE answers ADD COLUMN best_similarity REAL;
`;

/** Versions 1-6 -> 7: flagged sources per answer (0 for the answers already stored). */
export const MIGRATE_TO_V7_ANSWERS_SQL = `ALTER TABLE answers ADD COLUMN flagged_sources INTEGER NOT NULL DEFAULT 0;`;

/** Versions 2-6 -> 7: answers with a flagged source per bucket (version 1 files get the table with it). */
export const MIGRATE_TO_V7_BUCKETS_SQL = `ALTER TABLE agg_buckets ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;`;
