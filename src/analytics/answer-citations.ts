/**
 * The documents each answer cites (table `answer_citations`, ./schema.ts version 6): written with
 * the answer, and filled from the stored rows when an older file is migrated. Which sources count
 * as cited: those the event marks `cited`; an event from before that field counts every source of
 * an answer that is not a refusal (older events listed the sources shown, not which were cited).
 */
import type Database from 'better-sqlite3';
import type { QaEvent } from '../contracts/analytics.ts';
import { isRefusal } from '../contracts/refusal.ts';

type EventSource = QaEvent['sources'][number];

/** Whether the event's answer is a refusal: its own flag, else read from the text (older events). */
export const refusedOf = (e: Pick<QaEvent, 'refused' | 'answer'>): boolean => e.refused ?? isRefusal(e.answer);

/** The distinct documents an answer cites, first name seen per id. */
export function citedDocuments(sources: readonly EventSource[], refused: boolean): Array<{ id: string; name: string }> {
  const recorded = sources.some((s) => s.cited !== undefined);
  const out = new Map<string, string>();
  for (const s of sources) {
    const cited = recorded ? s.cited === true : !refused;
    if (cited && !out.has(s.documentId)) out.set(s.documentId, s.documentName);
  }
  return [...out].map(([id, name]) => ({ id, name }));
}

export interface AnswerCitationsTable {
  insert(answerId: string, at: number, documents: ReadonlyArray<{ id: string; name: string }>): void;
}

export function answerCitationsTable(db: Database.Database): AnswerCitationsTable {
  const insert = db.prepare<[string, string, string, number]>(
    'INSERT INTO answer_citations (answer_id, document_id, document_name, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  return {
    insert(answerId, at, documents) {
      for (const d of documents) insert.run(answerId, d.id, d.name, at);
    },
  };
}

/**
 * Migration to version 6, inside the migration's transaction: `refused` read from each stored
 * answer, and the citations of each from its stored sources. Reads in keyset pages so a large file
 * is not held in memory at once.
 */
export function backfillQuality(db: Database.Database): void {
  const page = db.prepare<[number, number], { rowid: number; answerId: string; answer: string; sources: string; at: number }>(
    'SELECT rowid, answer_id AS answerId, answer, sources, at FROM answers WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  const setRefused = db.prepare<[number]>('UPDATE answers SET refused = 1 WHERE rowid = ?');
  const table = answerCitationsTable(db);
  let after = 0;
  for (let rows = page.all(after, 1000); rows.length > 0; rows = page.all(after, 1000)) {
    for (const r of rows) {
      const refused = isRefusal(r.answer);
      if (refused) setRefused.run(r.rowid);
      table.insert(r.answerId, r.at, citedDocuments(parseSources(r.sources), refused));
      after = r.rowid;
    }
  }
}

function parseSources(text: string): EventSource[] {
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v.filter((s): s is EventSource => typeof s === 'object' && s !== null && typeof (s as EventSource).documentId === 'string' && typeof (s as EventSource).documentName === 'string');
  } catch {
    return [];
  }
}
