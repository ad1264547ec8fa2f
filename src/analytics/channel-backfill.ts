/**
 * The version 7 -> 8 migration of the analytics store: gives every stored answer its channel scope
 * (`channel:<channel>`, contracts/analytics-scope.ts; answers recorded before channels: `web`), a
 * row in `answer_collections` and its share of the buckets at level `<level>@channel:<channel>`,
 * exactly what the store writes for a new answer (./sqlite-store.ts). Runs inside the migration's
 * transaction (./store.ts), one page of answers at a time.
 */
import type Database from 'better-sqlite3';
import { channelScope } from '../contracts/analytics-scope.ts';
import { channelSchema } from '../contracts/channel.ts';
import { backfillBuckets } from './bucket-writer.ts';

export function backfillChannels(db: Database.Database): void {
  // A file set back to an older version by hand may hold some already: start from none, so
  // nothing counts twice.
  db.exec(`
    DELETE FROM answer_collections WHERE collection_id LIKE 'channel:%';
    DELETE FROM agg_buckets WHERE level LIKE '%@channel:%';
    DELETE FROM agg_latency WHERE level LIKE '%@channel:%';
    DELETE FROM agg_sentiment WHERE level LIKE '%@channel:%';
  `);
  const scopeOf = (channel: string | null): string => channelScope(channelSchema.catch('web').parse(channel ?? 'web'));
  // Pages by rowid: better-sqlite3 refuses writes while a statement is being iterated, and a page
  // at a time keeps memory flat however many answers the file holds.
  const page = db.prepare<[number], { id: number; answerId: string; channel: string | null; at: number }>(
    'SELECT rowid AS id, answer_id AS answerId, channel, at FROM answers WHERE rowid > ? ORDER BY rowid LIMIT 10000',
  );
  const insert = db.prepare<[string, string, number]>(
    'INSERT INTO answer_collections (answer_id, collection_id, asked, cited, at) VALUES (?, ?, 0, 0, ?) ON CONFLICT DO NOTHING',
  );
  for (let rows = page.all(0); rows.length > 0; rows = page.all(rows[rows.length - 1]!.id)) {
    for (const r of rows) insert.run(r.answerId, scopeOf(r.channel), r.at);
  }
  backfillBuckets(db, (r) => [scopeOf(r.channel)]);
}
