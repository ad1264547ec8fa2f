/**
 * Pages of the document registry in SQL, by keyset: each sort is a list of columns with the id
 * last, all in one direction, and a page starts after the cursor's row
 *   (k1 > ?) OR (k1 = ? AND ((k2 > ?) OR (k2 = ? AND id > ?)))      ('<' when descending)
 * so documents added or deleted between two requests neither repeat nor skip rows of later pages
 * (a document whose sort key changes, e.g. its status under sort=status, moves like any row would).
 * The cursor is [sort, order, ...keys, id] (src/shared/keyset-cursor.ts); one made for another sort
 * or order is refused. Names compare case-insensitively (ASCII, SQLite NOCASE) for sorting; the
 * search `q` folds case with JavaScript's toLowerCase, so it also ignores the case of non-ASCII letters.
 */
import type Database from 'better-sqlite3';
import { InvalidInputError } from '../errors.ts';
import type { DocumentPageQuery, DocumentSort } from '../ports/document-service.ts';
import { decodeCursor, encodeCursor, type CursorPart } from '../shared/keyset-cursor.ts';

interface Column {
  sql: string;
  /** The row field holding its value (for the cursor). */
  field: string;
  type: CursorPart;
}

const NAME: Column = { sql: 'name COLLATE NOCASE', field: 'name', type: 'string' };
const SORT_COLUMNS: Record<DocumentSort, Column[]> = {
  added: [{ sql: 'created_at', field: 'created_at', type: 'int' }],
  name: [NAME],
  status: [{ sql: 'status', field: 'status', type: 'string' }, NAME],
  size: [{ sql: 'size', field: 'size', type: 'int' }],
};
const ID: Column = { sql: 'id', field: 'id', type: 'string' };

/**
 * Prepares a registry connection for pages: the case folding `q` uses, and one index per sort (its
 * columns and the id), so a page reads its rows in order and stops after them instead of sorting
 * the whole library.
 */
export function preparePages(db: Database.Database): void {
  db.function('docent_fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : null));
  for (const [sort, columns] of Object.entries(SORT_COLUMNS)) {
    db.exec(`CREATE INDEX IF NOT EXISTS documents_by_${sort} ON documents (${[...columns, ID].map((c) => c.sql).join(', ')})`);
  }
}

/** `(k1 op ?) OR (k1 = ? AND (…))` and its parameters, for the columns after the cursor. */
function after(columns: Column[], values: Array<string | number>, op: '>' | '<'): { sql: string; params: Array<string | number> } {
  const [first, ...rest] = columns;
  const [value, ...others] = values;
  if (!first || value === undefined) throw new RangeError('cursor and sort columns differ in length');
  if (rest.length === 0) return { sql: `${first.sql} ${op} ?`, params: [value] };
  const inner = after(rest, others, op);
  return { sql: `(${first.sql} ${op} ? OR (${first.sql} = ? AND (${inner.sql})))`, params: [value, value, ...inner.params] };
}

const badCursor = (q: DocumentPageQuery) =>
  new InvalidInputError(`cursor must be the "next" of a previous page sorted by ${q.sort} ${q.order}; start again without a cursor.`, { code: 'bad_cursor' });

/** Rows of one page (one more than `limit`, telling whether another follows), the next cursor and the total. */
export function selectPage<Row extends Record<string, unknown>>(db: Database.Database, q: DocumentPageQuery): { rows: Row[]; next: string | null; total: number } {
  const columns = [...SORT_COLUMNS[q.sort], ID];
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (q.q !== undefined && q.q !== '') {
    where.push('instr(docent_fold(name), ?) > 0');
    params.push(q.q.toLowerCase());
  }
  if (q.status !== undefined) {
    where.push('status = ?');
    params.push(q.status);
  }
  if (q.collectionId !== undefined) {
    where.push('EXISTS (SELECT 1 FROM document_collections m WHERE m.document_id = documents.id AND m.collection_id = ?)');
    params.push(q.collectionId);
  }
  if (q.inCollections !== undefined) {
    // json_each: one bound parameter whatever the number of collections.
    where.push('EXISTS (SELECT 1 FROM document_collections m WHERE m.document_id = documents.id AND m.collection_id IN (SELECT value FROM json_each(?)))');
    params.push(JSON.stringify(q.inCollections));
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const { n: total } = db.prepare(`SELECT COUNT(*) AS n FROM documents ${filter}`).get(...params) as { n: number };

  if (q.cursor !== undefined) {
    const shape = ['string', 'string', ...columns.map((c) => c.type)] as const;
    const v = decodeCursor(q.cursor, shape);
    if (!v || v[0] !== q.sort || v[1] !== q.order) throw badCursor(q);
    const keyset = after(columns, v.slice(2), q.order === 'asc' ? '>' : '<');
    where.push(keyset.sql);
    params.push(...keyset.params);
  }
  const order = columns.map((c) => `${c.sql} ${q.order.toUpperCase()}`).join(', ');
  const sql = `SELECT * FROM documents ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
  const rows = db.prepare(sql).all(...params, q.limit + 1) as Row[];
  const shown = rows.slice(0, q.limit);
  const last = shown.at(-1);
  const next = rows.length > q.limit && last ? encodeCursor([q.sort, q.order, ...columns.map((c) => last[c.field] as string | number)]) : null;
  return { rows: shown, next, total };
}
