/**
 * What every parser returns: the extracted text, page by page. Chunk offsets and citations refer
 * to these texts, so parsers normalise line endings once here rather than each consumer later.
 */
export interface ParsedPage {
  /** 1-based page number for paged formats (PDF), null for formats without pages. */
  page: number | null;
  text: string;
}

export interface ParsedDocument {
  /** Pages that carry text, in order; pages without any text are left out. */
  pages: ParsedPage[];
  /** Pages in the source (PDF), including empty ones; null for formats without pages. */
  pageCount: number | null;
}

/** Unifies line endings and drops a byte-order mark, so offsets mean the same everywhere. */
export function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** True when the text has something worth indexing (not only whitespace). */
export function hasText(text: string): boolean {
  return /\S/.test(text);
}
