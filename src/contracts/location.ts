/**
 * Where a passage lies in its document, in the unit its format counts in: "page 4" of a PDF or a
 * multi-page scan, "slide 3" of a deck, "Sheet1, rows 12-40" of a spreadsheet ("rows 2-14" of a
 * CSV file), `chapter "Storms"` of an e-book whose table of contents names the chapter. Parsers set
 * it on their pages and sections, the chunker copies it onto each chunk, and every citation (the
 * answer's sources, search results, the passage view, the prompt, chat exports) names it.
 *
 * The heading path of a passage names the headings inside that unit (a slide's title, a chapter's
 * own headings), so a citation reads "slide 3 · Results", not "slide 3 · Slide 3: Results".
 */

/** A PDF's (or a multi-page image's) page, 1-based. */
export const pageLocation = (page: number): string => `page ${page}`;

/** A presentation's slide, 1-based in the deck's order. */
export const slideLocation = (slide: number): string => `slide ${slide}`;

/** Rows of a sheet (null sheet: a file of one table, CSV), as the file numbers them. */
export function rowsLocation(sheet: string | null, first: number, last: number): string {
  const rows = first === last ? `row ${first}` : `rows ${first}-${last}`;
  return sheet === null ? rows : `${sheet}, ${rows}`;
}

/** An e-book's chapter, by the title its table of contents gives it. */
export const chapterLocation = (title: string): string => `chapter "${title}"`;

/** What a citation shows of a passage's place: its unit, then the headings inside the unit. */
export interface Place {
  location: string | null;
  headingPath: string | null;
}

/**
 * The place to show for a passage. Passages indexed before locations existed carry none: their
 * page number stands in ("page 4"), as it did then. A heading path that opens with the chapter
 * the location already names has that chapter taken off.
 */
export function placeOf(p: { page: number | null; location?: string | null | undefined; headingPath?: string | null | undefined }): Place {
  const location = p.location ?? (p.page === null ? null : pageLocation(p.page));
  let headingPath = p.headingPath === undefined || p.headingPath === '' ? null : p.headingPath;
  if (location !== null && headingPath !== null) {
    const [first, ...rest] = headingPath.split(' > ');
    if (first !== undefined && location === chapterLocation(first)) headingPath = rest.length > 0 ? rest.join(' > ') : null;
  }
  return { location, headingPath };
}

/** The place as one line: "slide 3 · Results"; empty when the passage has neither. */
export function placeLine(p: Parameters<typeof placeOf>[0], separator = ' · '): string {
  const { location, headingPath } = placeOf(p);
  return [location, headingPath].filter((x): x is string => x !== null && x !== '').join(separator);
}
