/**
 * Excel (.xlsx) parser: sheet by sheet in the workbook's order, every row kept with its header
 * (table-passages.ts), so a passage reads "Region: North, Q3 revenue: 1.2M" and its citation names
 * the sheet and rows ("Sheet1, rows 2-14"). Cell values: shared and inline strings, formula results,
 * numbers, booleans, dates as ISO dates (xlsx-values.ts); empty cells and error values are left out.
 * Charts, pictures, comments and formatting are not read.
 *
 * Bounded whatever the sheet claims: cells are read as they come (the `<dimension>` a sheet states,
 * A1:XFD1048576 say, is never used to size anything), and a workbook of more than MAX_ROWS row
 * elements (a million empty rows formatted once) or MAX_CELLS cells is refused with the limit, as is
 * a cell reference beyond Excel's own grid (1,048,576 rows, 16,384 columns: a damaged file).
 */
import { InvalidInputError } from '../errors.ts';
import type { ParsedDocument, ParsedPage } from './parsed-document.ts';
import { TablePassages } from './table-passages.ts';
import { numberText, sharedStrings, styleKinds, type NumberKind } from './xlsx-values.ts';
import { localName, openZipPackage, readXml, relationships } from './zip-package.ts';
import type { ZipFormat } from './zip-limits.ts';

export const XLSX_FORMAT: ZipFormat = { ext: '.xlsx', document: 'the Excel workbook' };

/** Most row elements read in a workbook, empty ones included. */
export const XLSX_MAX_ROWS = 500_000;
/** Most cells read in a workbook. */
export const XLSX_MAX_CELLS = 5_000_000;
const EXCEL_ROWS = 1_048_576;
const EXCEL_COLUMNS = 16_384;

interface WorkbookContext {
  strings: string[];
  kinds: NumberKind[];
  date1904: boolean;
  /** Row elements and cells read so far in the workbook. */
  counts: { rows: number; cells: number };
}

/** 0-based column and 1-based row of a reference like "AB12"; null when there is none. */
function cellRef(ref: string | undefined): { col: number; row: number } | null {
  const m = ref === undefined ? null : /^([A-Z]{1,3})(\d+)$/i.exec(ref);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { col: col - 1, row: Number(m[2]) };
}

function tooLarge(what: string): InvalidInputError {
  return new InvalidInputError(`the Excel workbook ${what}; delete the empty rows and columns or split the workbook, then upload it again`, { code: 'too_large' });
}

/** Reads one worksheet part into `table`. */
function readSheet(xml: string, sheet: string, ctx: WorkbookContext, table: TablePassages): void {
  let rowNumber = 0;
  let cells: Array<string | undefined> = [];
  let cell: { col: number; type: string; style: number } | null = null;
  let col = -1;
  let value = '';
  let inValue = false;
  readXml(xml, {
    onopentag(name, attrs) {
      const n = localName(name);
      if (n === 'row') {
        if (++ctx.counts.rows > XLSX_MAX_ROWS) throw tooLarge(`has more than ${XLSX_MAX_ROWS.toLocaleString('en')} rows ("${sheet}" reaches row ${(rowNumber + 1).toLocaleString('en')})`);
        const r = attrs.r === undefined ? rowNumber + 1 : Number(attrs.r);
        if (!Number.isInteger(r) || r < 1 || r > EXCEL_ROWS) throw damaged(`row number ${attrs.r ?? ''} in "${sheet}"`);
        rowNumber = r;
        cells = [];
        col = -1;
      } else if (n === 'c') {
        if (++ctx.counts.cells > XLSX_MAX_CELLS) throw tooLarge(`has more than ${XLSX_MAX_CELLS.toLocaleString('en')} cells`);
        const ref = cellRef(attrs.r);
        col = ref ? ref.col : col + 1;
        if (col >= EXCEL_COLUMNS) throw damaged(`cell ${attrs.r ?? ''} in "${sheet}"`);
        cell = { col, type: attrs.t ?? 'n', style: Number(attrs.s ?? 0) };
        value = '';
      } else if ((n === 'v' || n === 't') && cell) inValue = true;
    },
    ontext(text) {
      if (inValue) value += text;
    },
    onclosetag(name) {
      const n = localName(name);
      if (n === 'v' || n === 't') inValue = false;
      else if (n === 'c' && cell) {
        const text = cellText(cell.type, cell.style, value, ctx);
        if (text !== '') cells[cell.col] = text;
        cell = null;
      } else if (n === 'row') table.add(rowNumber, cells);
    },
  });
}

function cellText(type: string, style: number, raw: string, ctx: WorkbookContext): string {
  switch (type) {
    case 's':
      return ctx.strings[Number(raw)] ?? '';
    case 'b':
      return raw === '1' ? 'TRUE' : raw === '0' ? 'FALSE' : '';
    case 'e':
      return ''; // #N/A, #DIV/0!: not something a question is about
    case 'str':
    case 'inlineStr':
      return raw;
    case 'd':
      return raw.replace(/T00:00:00(?:\.000)?Z?$/, '');
    default:
      return numberText(raw, ctx.kinds[style] ?? 'number', ctx.date1904);
  }
}

function damaged(what: string): InvalidInputError {
  return new InvalidInputError(`the Excel workbook could not be read (${what} is beyond Excel's grid; is the file damaged?)`, { code: 'unreadable' });
}

export interface ParseXlsxOptions {
  /** Most characters in one group of rows (default TABLE_PASSAGE_CHARS); the benchmark compares sizes. */
  passageChars?: number;
}

/** @throws InvalidInputError when the file is damaged, a zip bomb, too large, or has no values. */
export async function parseXlsx(bytes: Uint8Array, opts: ParseXlsxOptions = {}): Promise<ParsedDocument> {
  const pkg = await openZipPackage(bytes, XLSX_FORMAT);
  const workbook = await pkg.text('xl/workbook.xml');
  if (workbook === null) throw new InvalidInputError('the Excel workbook could not be read (no xl/workbook.xml)', { code: 'unreadable' });
  const rels = await relationships(pkg, 'xl/workbook.xml');
  const sheets: Array<{ name: string; part: string }> = [];
  let date1904 = false;
  readXml(workbook, {
    onopentag(name, attrs) {
      const n = localName(name);
      if (n === 'workbookPr') date1904 = attrs.date1904 === '1' || attrs.date1904 === 'true';
      const rel = n === 'sheet' && attrs['r:id'] !== undefined ? rels.get(attrs['r:id']) : undefined;
      if (rel) sheets.push({ name: attrs.name ?? rel.target, part: rel.target });
    },
  });
  const partOf = (type: string, fallback: string) => [...rels.values()].find((r) => r.type.endsWith(`/${type}`))?.target ?? fallback;
  const ctx: WorkbookContext = {
    strings: sharedStrings(await pkg.text(partOf('sharedStrings', 'xl/sharedStrings.xml'))),
    kinds: styleKinds(await pkg.text(partOf('styles', 'xl/styles.xml'))),
    date1904,
    counts: { rows: 0, cells: 0 },
  };
  const pages: ParsedPage[] = [];
  for (const sheet of sheets) {
    const xml = await pkg.text(sheet.part);
    if (xml === null) continue;
    const table = new TablePassages(sheet.name, pages, opts.passageChars);
    readSheet(xml, sheet.name, ctx, table);
    table.finish();
  }
  if (pages.length === 0) throw new InvalidInputError('the Excel workbook has no values in its sheets', { code: 'no_text' });
  // The page numbers count passages, not pages of the source: the document list shows no page count.
  return { pages, pageCount: null };
}
