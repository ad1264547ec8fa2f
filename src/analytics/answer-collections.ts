/**
 * Which collections an answer belongs to, for the analytics filter by collection: the collections
 * its question was asked over (`asked`; none when asked over all of them) and those its cited
 * passages came from (`cited`). "Collection X" in analytics means: asked over X or citing X, so an
 * answer asked over every collection counts under the collections it actually drew on, and one
 * asked over X counts there even when it found nothing to cite. A vote counts wherever its answer does.
 * Stored in `answer_collections` (./schema.ts) with the answer, in the same transaction.
 */
import type Database from 'better-sqlite3';
import type { QaEvent } from '../contracts/analytics.ts';

export interface AnswerCollection {
  id: string;
  asked: boolean;
  cited: boolean;
}

/** The collections of one qa event, each once, in id order (events from before collections: none). */
export function collectionsOfEvent(e: Pick<QaEvent, 'collections' | 'sources'>): AnswerCollection[] {
  const out = new Map<string, AnswerCollection>();
  const of = (id: string): AnswerCollection => {
    let c = out.get(id);
    if (!c) out.set(id, (c = { id, asked: false, cited: false }));
    return c;
  };
  for (const id of e.collections ?? []) of(id).asked = true;
  for (const s of e.sources) if (s.collectionId !== undefined) of(s.collectionId).cited = true;
  return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface AnswerCollectionsTable {
  /** Inside the store's transaction: records the answer's collections. */
  insert(answerId: string, at: number, collections: readonly AnswerCollection[]): void;
  /** The collection ids of a stored answer (none for answers from before collections). */
  of(answerId: string): string[];
}

export function answerCollectionsTable(db: Database.Database): AnswerCollectionsTable {
  const insert = db.prepare<[string, string, number, number, number]>(
    'INSERT INTO answer_collections (answer_id, collection_id, asked, cited, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const read = db.prepare<[string], { id: string }>('SELECT collection_id AS id FROM answer_collections WHERE answer_id = ? ORDER BY collection_id');
  return {
    insert(answerId, at, collections) {
      for (const c of collections) insert.run(answerId, c.id, c.asked ? 1 : 0, c.cited ? 1 : 0, at);
    },
    of: (answerId) => read.all(answerId).map((r) => r.id),
  };
}
