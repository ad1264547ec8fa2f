/**
 * Test helper: writes a real Excel .xlsx with JSZip: workbook, relationships, shared strings, a
 * styles part with date, date-time, percentage and custom date formats, and one worksheet per sheet.
 * Cells: strings go to the shared strings (or inline with `{ inline }`), numbers and booleans as
 * typed cells, `{ date: Date }` as a serial number styled as a date. A sheet may carry raw XML
 * instead (hostile variants) and any `<dimension>` it likes.
 */
import JSZip from 'jszip';

export type CellSpec = string | number | boolean | null | { date: Date; time?: boolean } | { inline: string } | { percent: number } | { formula: string; value: string };

export interface SheetSpec {
  name: string;
  rows?: CellSpec[][];
  /** The sheet's stated size, e.g. "A1:XFD1048576". */
  dimension?: string;
  /** Raw <sheetData> content instead of `rows`. */
  sheetData?: string;
}

const x = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';

function column(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Excel's 1900-system serial of a UTC date. */
export function excelSerial(d: Date): number {
  return (d.getTime() - Date.UTC(1899, 11, 30)) / 86_400_000;
}

export async function makeXlsx(sheets: SheetSpec[], opts: { date1904?: boolean } = {}): Promise<Buffer> {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const shared = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const cellXml = (ref: string, c: CellSpec): string => {
    if (c === null) return '';
    if (typeof c === 'string') return `<c r="${ref}" t="s"><v>${shared(c)}</v></c>`;
    if (typeof c === 'number') return `<c r="${ref}"><v>${c}</v></c>`;
    if (typeof c === 'boolean') return `<c r="${ref}" t="b"><v>${c ? 1 : 0}</v></c>`;
    if ('inline' in c) return `<c r="${ref}" t="inlineStr"><is><t>${x(c.inline)}</t></is></c>`;
    if ('percent' in c) return `<c r="${ref}" s="3"><v>${c.percent}</v></c>`;
    if ('formula' in c) return `<c r="${ref}" t="str"><f>${x(c.formula)}</f><v>${x(c.value)}</v></c>`;
    const serial = excelSerial(c.date) - (opts.date1904 ? 1462 : 0);
    return `<c r="${ref}" s="${c.time ? 2 : 1}"><v>${serial}</v></c>`;
  };
  const zip = new JSZip();
  const overrides = sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('');
  zip.file('[Content_Types].xml', `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${overrides}</Types>`);
  zip.file('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
  const sheetEls = sheets.map((s, i) => `<sheet name="${x(s.name)}" sheetId="${i + 1}" r:id="rId${i + 10}"/>`).join('');
  zip.file('xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${MAIN}" xmlns:r="${REL}"><workbookPr${opts.date1904 ? ' date1904="1"' : ''}/><sheets>${sheetEls}</sheets></workbook>`);
  const rels = sheets.map((_, i) => `<Relationship Id="rId${i + 10}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('');
  zip.file('xl/_rels/workbook.xml.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}<Relationship Id="rId2" Type="${REL}/styles" Target="styles.xml"/><Relationship Id="rId3" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`);
  zip.file('xl/styles.xml', `<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="${MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="9"/></cellXfs></styleSheet>`);
  sheets.forEach((s, i) => {
    const data =
      s.sheetData ??
      (s.rows ?? [])
        .map((row, r) => `<row r="${r + 1}">${row.map((c, k) => cellXml(`${column(k)}${r + 1}`, c)).join('')}</row>`)
        .join('');
    const dim = s.dimension === undefined ? '' : `<dimension ref="${s.dimension}"/>`;
    zip.file(`xl/worksheets/sheet${i + 1}.xml`, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${MAIN}" xmlns:r="${REL}">${dim}<sheetData>${data}</sheetData></worksheet>`);
  });
  const si = strings.map((s) => `<si><t xml:space="preserve">${x(s)}</t></si>`).join('');
  zip.file('xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${MAIN}" count="${strings.length}" uniqueCount="${strings.length}">${si}</sst>`);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
