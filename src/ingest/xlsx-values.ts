/**
 * How an Excel workbook's cells read as text: shared strings (xl/sharedStrings.xml, rich runs joined,
 * phonetic guides left out), and the number formats of xl/styles.xml that say a number is a date,
 * a time or a percentage. Dates become ISO dates (2024-03-31, with " 14:30" when the format shows a
 * time); the 1904 date system is honoured; other numbers are written without float noise
 * (0.30000000000000004 -> 0.3); booleans are TRUE/FALSE.
 */
import { localName, readXml } from './zip-package.ts';

/** The strings of xl/sharedStrings.xml in order. */
export function sharedStrings(xml: string | null): string[] {
  const out: string[] = [];
  if (xml === null) return out;
  let current: string | null = null;
  let inText = false;
  let phonetic = 0;
  readXml(xml, {
    onopentag(name) {
      const n = localName(name);
      if (n === 'si') current = '';
      else if (n === 'rPh' || n === 'phoneticPr') phonetic++;
      else if (n === 't' && phonetic === 0) inText = true;
    },
    ontext(text) {
      if (inText && current !== null) current += text;
    },
    onclosetag(name) {
      const n = localName(name);
      if (n === 't') inText = false;
      else if (n === 'rPh' || n === 'phoneticPr') phonetic--;
      else if (n === 'si') {
        out.push(current ?? '');
        current = null;
      }
    },
  });
  return out;
}

export type NumberKind = 'number' | 'date' | 'time' | 'datetime' | 'percent';

/** Built-in number format ids that are dates or times (ECMA-376 18.8.30, and the CJK ones). */
const BUILTIN: Record<number, NumberKind> = { 9: 'percent', 10: 'percent', 14: 'date', 15: 'date', 16: 'date', 17: 'date', 18: 'time', 19: 'time', 20: 'time', 21: 'time', 22: 'datetime', 45: 'time', 46: 'time', 47: 'time' };
for (const id of [27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58]) BUILTIN[id] = 'date';
for (const id of [32, 33]) BUILTIN[id] = 'time';

/** What a format code shows: quoted text, escapes and [colour]/[locale] parts do not count. */
export function kindOfFormat(code: string): NumberKind {
  const bare = code.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '').split(';')[0] ?? '';
  if (bare.includes('%')) return 'percent';
  const date = /[dy]/i.test(bare) || /m/i.test(bare.replace(/[hs][^a-z]*m+|m+[^a-z]*s/gi, ''));
  const time = /[hs]/i.test(bare) || /AM\/PM|A\/P/i.test(code);
  if (date && time) return 'datetime';
  if (date) return 'date';
  if (time) return 'time';
  return 'number';
}

/** Kind of number per cell style index (the `s` attribute), from xl/styles.xml. */
export function styleKinds(xml: string | null): NumberKind[] {
  if (xml === null) return [];
  const custom = new Map<number, NumberKind>();
  const kinds: NumberKind[] = [];
  let inCellXfs = false;
  readXml(xml, {
    onopentag(name, attrs) {
      const n = localName(name);
      if (n === 'numFmt' && attrs.numFmtId !== undefined) custom.set(Number(attrs.numFmtId), kindOfFormat(attrs.formatCode ?? ''));
      else if (n === 'cellXfs') inCellXfs = true;
      else if (n === 'xf' && inCellXfs) {
        const id = Number(attrs.numFmtId ?? 0);
        kinds.push(custom.get(id) ?? BUILTIN[id] ?? 'number');
      }
    },
    onclosetag(name) {
      if (localName(name) === 'cellXfs') inCellXfs = false;
    },
  });
  return kinds;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const DAY_MS = 86_400_000;

/** An Excel serial date as text of the given kind; null when the serial is not a date. */
function serialDate(serial: number, kind: NumberKind, date1904: boolean): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial > 2_958_465) return null; // past 9999-12-31
  // 1900 system: day 1 is 1900-01-01 and day 60 the non-existent 1900-02-29 (a Lotus bug Excel keeps).
  const epoch = date1904 ? Date.UTC(1904, 0, 1) : serial < 60 ? Date.UTC(1899, 11, 31) : Date.UTC(1899, 11, 30);
  const ms = epoch + Math.round(serial * DAY_MS / 1000) * 1000;
  const d = new Date(ms);
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const seconds = d.getUTCSeconds();
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds === 0 ? '' : `:${pad(seconds)}`}`;
  if (kind === 'time') return time;
  if (kind === 'datetime') return `${day} ${time}`;
  return day;
}

/** A number without floating-point noise. */
export function plainNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number.parseFloat(n.toPrecision(15)));
}

/** The text of a numeric cell value `raw` whose style shows it as `kind`. */
export function numberText(raw: string, kind: NumberKind, date1904: boolean): string {
  const n = Number(raw);
  if (raw.trim() === '' || Number.isNaN(n)) return raw;
  if (kind === 'percent') return `${plainNumber(n * 100)}%`;
  if (kind === 'number') return plainNumber(n);
  return serialDate(n, kind, date1904) ?? plainNumber(n);
}
