/**
 * Reads Markdown the way GitHub renders it, as far as links need: the headings a file has and the
 * anchors GitHub gives them, and the links it holds (inline `[text](target)`, images, and
 * reference definitions `[label]: target`), outside fenced code blocks and inline code spans.
 * Used by tests/unit/docs-links.test.ts to check that every relative link of the documentation
 * leads to a file and heading that exist.
 */

/** One link found in a file: its 1-based line, the text between the brackets and its target. */
export interface MarkdownLink {
  line: number;
  text: string;
  target: string;
}

/** For each line of the text: whether it belongs to a fenced code block (its fences included). */
export function fencedLines(markdown: string): boolean[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === null) {
      if (marker) fence = marker;
      return marker !== undefined;
    }
    // A fence closes with the same character, at least as long, and nothing after it.
    if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    return true;
  });
}

/** The text with fenced code blocks and inline code spans blanked out (same offsets and lines). */
export function proseOnly(markdown: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const fenced = fencedLines(markdown);
  const lines = markdown.split('\n').map((line, i) => (fenced[i] ? blank(line) : line));
  // Inline code: a run of backticks up to the next run of the same length.
  return lines.join('\n').replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, blank);
}

/**
 * GitHub's anchor for a heading's text: the rendered text (code marks and link targets gone),
 * lower-cased, every character that is not a letter, digit, mark, `-`, `_` or space removed, and
 * each space made a `-`. A repeated anchor gets `-1`, `-2`, ... (see {@link headingAnchors}).
 */
export function slug(headingText: string): string {
  const rendered = headingText
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](url) -> text
    .replace(/<[^>]+>/g, ''); // inline HTML tags
  return rendered
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file offers: its ATX headings' slugs (duplicates numbered) and `<a id|name="…">`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  // Inline code stays: its text is part of the heading's anchor.
  const fenced = fencedLines(markdown);
  const prose = markdown.split('\n').filter((_, i) => !fenced[i]);
  for (const line of prose) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!.trim());
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const m of prose.join('\n').matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  return anchors;
}

/** The links of a file, in order, with code blanked out first. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  const prose = proseOnly(markdown);
  const lineOf = (offset: number) => prose.slice(0, offset).split('\n').length;
  const links: MarkdownLink[] = [];
  // [text](target) or [text](<target> "title"); text may hold one level of brackets ([`[n]`](…)).
  const inline = /\[((?:[^[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
  for (const m of prose.matchAll(inline)) {
    links.push({ line: lineOf(m.index), text: m[1]!, target: m[2]!.replace(/^<|>$/g, '') });
  }
  for (const m of prose.matchAll(/^ {0,3}\[([^\]]+)\]:\s*(\S+)/gm)) {
    links.push({ line: lineOf(m.index), text: m[1]!, target: m[2]! });
  }
  return links;
}
