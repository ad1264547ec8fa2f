/**
 * What every parser returns: the extracted text, page by page. Chunk offsets and citations refer
 * to these texts, so parsers normalise line endings once here rather than each consumer later.
 */
export interface ParsedPage {
  /** 1-based page number for paged formats (PDF), null for formats without pages. */
  page: number | null;
  text: string;
  /**
   * Where each section starts in `text` and the heading path from there on, in ascending order of
   * `start` (Markdown and HTML headings, for instance); absent or empty when the format has none.
   */
  sections?: Section[];
  /** The text was recognised by OCR from an image of the page (it may contain errors); absent otherwise. */
  ocr?: boolean;
  /**
   * The unit a citation of this page names ("slide 3", "Sheet1, rows 12-40"; src/contracts/location.ts);
   * absent: "page N" when `page` is set (PDF), else none.
   */
  location?: string;
}

export interface Section {
  /** Offset in the page text where the heading line begins. */
  start: number;
  /** Headings from the outermost down, joined with " > ", e.g. "Install > Linux". */
  path: string;
  /** The unit a citation names from here on (an e-book's chapter), over the page's own; absent: the page's. */
  location?: string;
}

/**
 * The heading path in force at `offset`: the last section starting at or before it, else null.
 * A binary search (sections are in ascending order), so chunking a page with many headings stays
 * linear rather than scanning every section for every chunk.
 */
export function headingPathAt(sections: readonly Section[] | undefined, offset: number): string | null {
  return sectionAt(sections, offset)?.path ?? null;
}

/** The last section starting at or before `offset`, else null (binary search, as headingPathAt). */
export function sectionAt(sections: readonly Section[] | undefined, offset: number): Section | null {
  if (!sections) return null;
  let lo = 0; // sections[0..lo) start at or before offset
  let hi = sections.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sections[mid]!.start <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : sections[lo - 1]!;
}

/**
 * Keeps a stack of open headings by level (1 = outermost) and returns the path after `heading`
 * opens at `level`: deeper headings below it are closed, skipped levels are simply absent.
 */
/**
 * Longest heading kept in a section path (and a document title): every chunk carries its path, so a
 * 200 KB "heading" (one line of `[[[...` after a `#`) would otherwise be copied into every chunk,
 * event and stored row of its section.
 */
export const HEADING_MAX_CHARS = 200;

/** `text` cut to HEADING_MAX_CHARS at a character boundary, with "…" when cut. */
export function capHeading(text: string): string {
  if (text.length <= HEADING_MAX_CHARS) return text;
  const cut = Array.from(text.slice(0, HEADING_MAX_CHARS + 1)).slice(0, HEADING_MAX_CHARS - 1).join('');
  return `${cut.trimEnd()}…`;
}

export class HeadingStack {
  private readonly open: Array<string | undefined> = [];
  push(level: number, heading: string): string {
    this.open.length = level;
    this.open[level - 1] = capHeading(heading);
    return this.open.filter((h): h is string => h !== undefined && h !== '').join(' > ');
  }
}

export interface ParsedDocument {
  /** Pages that carry text, in order; pages without any text are left out. */
  pages: ParsedPage[];
  /** Pages in the source (PDF), including empty ones; null for formats without pages. */
  pageCount: number | null;
  /** The document's own title when the format carries one (HTML <title>). */
  title?: string | null;
}

/** Unifies line endings and drops a byte-order mark, so offsets mean the same everywhere. */
export function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** True when the text has something worth indexing (not only whitespace). */
export function hasText(text: string): boolean {
  return /\S/.test(text);
}
