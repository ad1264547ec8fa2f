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
 */
export const SCHEMA_VERSION = 1;

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
  scored_published     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answers_at ON answers (at);

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
`;
