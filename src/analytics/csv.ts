/**
 * CSV of the analytics answers table (RFC 4180: comma separated, CRLF line ends, a field with a
 * comma, quote or line break is quoted and its quotes doubled), with a UTF-8 byte order mark so
 * spreadsheets read accents right.
 *
 * Formula injection: questions and answers are typed by users and written by a model, and a
 * spreadsheet runs a text cell starting with = + - @ (or tab / carriage return) as a formula. Such
 * text cells are prefixed with an apostrophe, which spreadsheets show as plain text. Numbers are
 * written as numbers (a negative sentiment stays a number).
 *
 * The last column, `collections`, names the collections each answer was asked over or cited (the
 * analytics filter's meaning: ./answer-collections.ts), separated by "; ", by name when the caller
 * knows it (a deleted collection shows its id); empty for answers asked over all collections that
 * cited none, and for answers recorded before collections. Then `channel`, where the question came
 * from (web, api, openai, mcp: contracts/channel.ts; `web` for answers recorded before channels, as
 * the analytics page shows them), and `user`, the account that asked, by name when the caller knows
 * it (a deleted account shows its id), empty when nobody was signed in. Then `flagged sources`, how
 * many of the answer's sources the prompt-injection guard flagged (0 for answers stored before it
 * was counted). New columns go last so the earlier ones keep their places in spreadsheets built on
 * older exports.
 */
import type { AnalyticsAnswerRow } from '../contracts/analytics-summary.ts';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: text is guarded and quoted when needed; null is empty; numbers are plain. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = [
  'time (UTC)', 'answer id', 'question', 'answer', 'vote', 'question sentiment', 'answer sentiment',
  'total ms', 'queue wait ms', 'retrieval ms', 'first token ms', 'generation ms', 'tokens per second', 'worker', 'model',
  'collections', 'channel', 'user', 'flagged sources',
] as const;

/** A name by id (a collection's, a user's); default the id itself. */
export type Namer = (id: string) => string;

/** How the export names collections and users; each defaults to the id. */
export interface CsvNames {
  collection?: Namer;
  user?: Namer;
}

const asIs: Namer = (id) => id;

const round = (v: number | null, digits: number): number | null => (v === null ? null : Number(v.toFixed(digits)));

/** The byte order mark and the header line: the start of every export. */
export const csvStart = (): string => `\uFEFF${CSV_HEADER.map(csvCell).join(',')}\r\n`;

/** The lines of some rows, each ended by CRLF (a page of a streamed export). */
export function csvRows(rows: readonly AnalyticsAnswerRow[], names: CsvNames = {}): string {
  const collection = names.collection ?? asIs;
  const user = names.user ?? asIs;
  let out = '';
  for (const r of rows) {
    const t = r.timings;
    out += `${[
      new Date(r.at).toISOString(), r.answerId, r.question, r.answer, r.vote,
      round(r.questionSentiment, 4), round(r.answerSentiment, 4),
      round(t.totalMs, 1), round(t.queueWaitMs, 1), round(t.retrievalMs, 1), round(t.firstTokenMs, 1), round(t.generationMs, 1),
      round(r.tokensPerSecond, 2), r.worker, r.model,
      (r.collections ?? []).map(collection).join('; '),
      r.channel ?? 'web',
      r.userId ? user(r.userId) : null,
      r.flaggedSources ?? 0,
    ].map(csvCell).join(',')}\r\n`;
  }
  return out;
}

/** A whole (small) export in one string. */
export function answersCsv(rows: readonly AnalyticsAnswerRow[], names?: CsvNames): string {
  return csvStart() + csvRows(rows, names);
}

/** A streamed export: the header, then one chunk per page as the pages are pulled. */
export async function* csvChunks(pages: AsyncIterable<readonly AnalyticsAnswerRow[]>, names?: CsvNames): AsyncGenerator<string, void, undefined> {
  yield csvStart();
  for await (const page of pages) yield csvRows(page, names);
}
