/**
 * Opaque cursors for keyset paging ("the rows after this one"), shared by every paged list (chats,
 * documents). A cursor is the sort key of the last row a page showed, as a JSON array encoded in
 * base64url: e.g. [updatedAt, id] or ["name", "asc", "report.pdf", id]. Keyset paging (rather than an
 * offset) keeps the following pages stable while rows are added or removed in front of the cursor.
 * Callers never look inside; decoding checks the shape, so a cursor one list did not make is
 * refused rather than misread.
 */

/** The types a cursor element may have: a whole number or a string. */
export type CursorPart = 'int' | 'string';
type PartValue<P extends CursorPart> = P extends 'int' ? number : string;
export type CursorValues<S extends readonly CursorPart[]> = { [K in keyof S]: PartValue<S[K]> };

/** Encodes the sort key of a row as a cursor. */
export function encodeCursor(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values a cursor holds when it has exactly `shape`; undefined when it is not such a cursor. */
export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): CursorValues<S> | undefined {
  if (cursor.length > 2000) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== shape.length) return undefined;
  const fits = shape.every((part, i) => (part === 'int' ? Number.isSafeInteger(v[i]) : typeof v[i] === 'string'));
  return fits ? (v as CursorValues<S>) : undefined;
}
