/**
 * CSV parser: RFC 4180 (fields in double quotes may hold the delimiter, line breaks and doubled
 * quotes; CRLF or LF line ends), UTF-8 with or without a byte-order mark. The delimiter is sniffed
 * from the first lines: comma, semicolon (spreadsheets in locales with a decimal comma) or tab,
 * whichever splits those lines into the same number of fields most consistently (a .tsv file is
 * found to use tabs this way). Rows become passages with their header as for spreadsheets
 * (table-passages.ts), cited by row ("rows 2-14"; the header is row 1).
 *
 * One pass, linear in the file; more than CSV_MAX_ROWS rows is refused with the limit.
 */
import { InvalidInputError } from '../errors.ts';
import type { ParsedDocument, ParsedPage } from './parsed-document.ts';
import { TablePassages } from './table-passages.ts';

export const CSV_MAX_ROWS = 500_000;
const DELIMITERS = [',', ';', '\t'] as const;
const SNIFF_LINES = 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Field counts per record of the first lines with `delimiter`, honouring quotes. */
function fieldCounts(sample: string, delimiter: string): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < sample.length && counts.length < SNIFF_LINES; i++) {
    const c = sample[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === delimiter) fields++;
    else if (!quoted && c === '\n') {
      counts.push(fields);
      fields = 1;
    }
  }
  return counts;
}

/** The delimiter that gives the most lines with the same field count (above one), comma on a tie. */
export function sniffDelimiter(text: string): string {
  const sample = text.slice(0, 64 * 1024).replace(/\r\n?/g, '\n');
  let best: string = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = fieldCounts(sample.endsWith('\n') ? sample : `${sample}\n`, d);
    const first = counts[0] ?? 1;
    if (first < 2) continue;
    const score = counts.filter((n) => n === first).length * 1000 + first;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Calls `onRecord` with every record's fields, in order. Each field is cut out of the text in one
 * slice (a quoted one has its doubled quotes undone in one split and join): building fields a character or
 * a piece at a time made long fields cost more than their length.
 */
export function readCsv(text: string, delimiter: string, onRecord: (fields: string[]) => void): void {
  const n = text.length;
  if (n === 0) return;
  /** Index of the first delimiter or line end at or after `from`, else n. */
  const fieldEnd = (from: number): number => {
    let k = from;
    while (k < n) {
      const c = text[k];
      if (c === delimiter || c === '\n' || c === '\r') break;
      k++;
    }
    return k;
  };
  let fields: string[] = [];
  let i = 0;
  for (;;) {
    let value: string;
    let end: number;
    if (text[i] === '"') {
      // Up to the next quote that is not doubled; an unclosed quote runs to the end, as spreadsheets read it.
      let closed = -1;
      for (let j = i + 1; ; ) {
        const q = text.indexOf('"', j);
        if (q < 0) break;
        if (text[q + 1] === '"') {
          j = q + 2;
          continue;
        }
        closed = q;
        break;
      }
      if (closed < 0) {
        value = text.slice(i + 1).split('""').join('"');
        end = n;
      } else {
        end = fieldEnd(closed + 1); // text after the closing quote is kept, as spreadsheets do
        value = text.slice(i + 1, closed).split('""').join('"') + text.slice(closed + 1, end);
      }
    } else {
      end = fieldEnd(i);
      value = text.slice(i, end);
    }
    fields.push(value);
    if (end >= n) {
      onRecord(fields);
      return;
    }
    if (text[end] === delimiter) {
      i = end + 1;
      continue;
    }
    onRecord(fields);
    fields = [];
    i = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1);
    if (i >= n) return;
  }
}

/** @throws InvalidInputError when the file is not UTF-8, has no values, or too many rows. */
export function parseCsv(bytes: Uint8Array): ParsedDocument {
  let text: string;
  try {
    text = utf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new InvalidInputError('the CSV file is not UTF-8 text (save it as "CSV UTF-8" and upload it again)', { code: 'unreadable', cause: err });
  }
  const delimiter = sniffDelimiter(text);
  const pages: ParsedPage[] = [];
  const table = new TablePassages(null, pages);
  let row = 0;
  readCsv(text, delimiter, (fields) => {
    if (++row > CSV_MAX_ROWS) {
      throw new InvalidInputError(`the CSV file has more than ${CSV_MAX_ROWS.toLocaleString('en')} rows; split it and upload the parts`, { code: 'too_large' });
    }
    table.add(row, fields);
  });
  table.finish();
  if (pages.length === 0) throw new InvalidInputError('the CSV file has no values', { code: 'no_text' });
  // The page numbers count passages, not pages of the source: the document list shows no page count.
  return { pages, pageCount: null };
}
