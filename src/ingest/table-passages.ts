/**
 * Turns table rows (a spreadsheet's sheet, a CSV file) into passages a question can find: the first
 * row with any value is the header, and every later row is written as one line of "header: value"
 * pairs, empty cells left out ("Region: North, Q3 revenue: 1.2M"), so each row carries its labels
 * and reads on its own. A column without a header is named by its letter (C).
 *
 * Consecutive rows are grouped into pages of at most TABLE_PASSAGE_CHARS characters (a row longer
 * than that is a page of its own), each page numbered across the document and located by the
 * sheet and rows it holds ("Sheet1, rows 2-14"; src/contracts/location.ts), so the chunker, which never crosses a page, never
 * puts two groups in one chunk and a citation names exactly the rows it quotes. The groups are small
 * so one row's words weigh enough in its passage's embedding for a question about one cell to find
 * it: on a 1,000-row table of orders, one row per passage found the row of a single-cell question
 * in the first five passages for 0.50 of the questions, groups of up to 400 characters for 0.41
 * (bench/spreadsheet-retrieval.ts). At 200 characters a typical row of a wide table stands alone
 * and short rows (two or three narrow columns) share a passage, which keeps the passage count of
 * a long narrow table down. Rows end in a line break, which the chunker splits on before anything
 * else if a CHUNK_SIZE below the group size asks for it.
 */
import { rowsLocation } from '../contracts/location.ts';
import { capHeading, type ParsedPage } from './parsed-document.ts';

/** Most characters in one group of rows (one page). */
export const TABLE_PASSAGE_CHARS = 200;

/** The column letters of a 0-based column index: 0 -> A, 27 -> AB. */
export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** One cell's text on one line: inner whitespace collapsed. */
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export class TablePassages {
  private header: string[] | null = null;
  private headerRow = 0;
  private lines: string[] = [];
  private chars = 0;
  private first = 0;
  private last = 0;
  private wroteData = false;

  /**
   * @param sheet the sheet's name for section paths, null for a file with one table (CSV)
   * @param pages where finished pages go; their numbers continue from the last page already there
   */
  constructor(
    private readonly sheet: string | null,
    private readonly pages: ParsedPage[],
    private readonly maxChars = TABLE_PASSAGE_CHARS,
  ) {}

  /** Adds row `row` (1-based, as the file numbers it); `cells` by 0-based column, empty ones skipped. */
  add(row: number, cells: ReadonlyArray<string | undefined>): void {
    const values = cells.map((c) => (c === undefined ? '' : oneLine(c)));
    if (!values.some((v) => v !== '')) return;
    if (this.header === null) {
      this.header = values;
      this.headerRow = row;
      return;
    }
    const pairs: string[] = [];
    values.forEach((v, col) => {
      if (v === '') return;
      const label = this.header![col] || columnLetters(col);
      pairs.push(`${label}: ${v}`);
    });
    this.push(row, pairs.join(', '));
    this.wroteData = true;
  }

  /** Writes the last group; a table with a header and no rows is written as its header line. */
  finish(): void {
    if (!this.wroteData && this.header !== null) this.push(this.headerRow, this.header.filter((h) => h !== '').join(', '));
    this.flush();
  }

  private push(row: number, line: string): void {
    if (this.lines.length > 0 && this.chars + 1 + line.length > this.maxChars) this.flush();
    if (this.lines.length === 0) this.first = row;
    this.lines.push(line);
    this.chars += line.length + 1;
    this.last = row;
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    const location = rowsLocation(this.sheet === null ? null : capHeading(this.sheet), this.first, this.last);
    const page = (this.pages.at(-1)?.page ?? 0) + 1;
    this.pages.push({ page, text: this.lines.join('\n'), location });
    this.lines = [];
    this.chars = 0;
  }
}
