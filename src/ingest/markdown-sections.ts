/**
 * Heading structure of a Markdown text, as sections with their heading path ("Install > Linux"),
 * so every chunk can say which part of the document it comes from.
 *
 * Recognises ATX headings (`## Title`, optional closing #s) and setext headings (a line underlined
 * with === or ---). Lines inside fenced code blocks (``` or ~~~) are not headings: a shell comment
 * `# install deps` in a code sample must not become a section. Inline Markdown in a heading
 * (`**bold**`, `code`, [links](url)) is reduced to its text.
 *
 * Linear in the input: a heading line is read by hand, not by a regular expression with adjacent
 * quantifiers over the same characters (`[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$` backtracked on a line of
 * alternating spaces and tabs: 2,000 pairs took 46 s), and link/tag clean-up finds each closing
 * bracket once instead of re-scanning the rest of the line from every `[` or `<`.
 */
import { HeadingStack, type Section } from './parsed-document.ts';

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * An ATX heading line's level and raw text, or null. Same reading as the pattern
 * `^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`: up to three spaces, 1-6 #s, then the end
 * of the line or a space/tab; the text is what follows the blanks, without trailing blanks and
 * without a closing run of #s that a blank sets apart. A line separator other than \n (U+2028/9)
 * makes the line no heading, as `.` does not match it.
 */
export function atxHeading(line: string): { level: number; text: string } | null {
  let i = 0;
  while (i < 3 && line[i] === ' ') i++;
  const hashes = i;
  while (line[i] === '#' && i - hashes < 7) i++;
  const level = i - hashes;
  if (level === 0 || level > 6) return null;
  if (i === line.length) return { level, text: '' };
  if (!isBlank(line[i])) return null;
  if (line.includes('\u2028', i) || line.includes('\u2029', i)) return null;
  while (isBlank(line[i])) i++;
  let end = line.length;
  while (end > i && isBlank(line[end - 1])) end--;
  // A closing sequence: #s at the end, set apart from the text by at least one blank.
  let h = end;
  while (h > i && line[h - 1] === '#') h--;
  if (h < end && h > i && isBlank(line[h - 1])) {
    end = h - 1;
    while (end > i && isBlank(line[end - 1])) end--;
  }
  return { level, text: line.slice(i, end) };
}

/** Replaces each `[text](target)` (with an optional leading `!`) by its text. */
function dropLinkTargets(raw: string): string {
  let out = '';
  let from = 0; // raw[from..] is not copied yet
  let close = -1; // the first ']' after the current '['
  let paren = -1; // the first ')' after the current link text
  for (let open = raw.indexOf('['); open >= 0; open = raw.indexOf('[', open + 1)) {
    if (close <= open) close = raw.indexOf(']', open + 1);
    if (close < 0) break; // no ']' after this '[', so none after a later one either
    if (raw[close + 1] !== '(') continue;
    if (paren < close + 2) paren = raw.indexOf(')', close + 2);
    if (paren < 0) break; // no ')' after this link text, nor after any later one
    const start = open > from && raw[open - 1] === '!' ? open - 1 : open;
    out += raw.slice(from, start) + raw.slice(open + 1, close);
    from = paren + 1;
    open = paren; // the search goes on after the link
  }
  return out + raw.slice(from);
}

/** Removes each `<...>` with at least one character inside. */
function dropTags(raw: string): string {
  let out = '';
  let from = 0;
  let gt = -1;
  for (let lt = raw.indexOf('<'); lt >= 0; lt = raw.indexOf('<', lt + 1)) {
    if (gt <= lt) gt = raw.indexOf('>', lt + 1);
    if (gt < 0) break;
    if (gt === lt + 1) continue; // `<>` is text
    out += raw.slice(from, lt);
    from = gt + 1;
    lt = gt;
  }
  return out + raw.slice(from);
}

/** What \s matches in a regular expression (and String#trim removes). */
function isSpaceCode(c: number): boolean {
  return (
    (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * Drops emphasis marks and code ticks (* _ `), collapses whitespace to single spaces and trims, in
 * one pass: `.replace(/[*_`]+/g, '').replace(/\s+/g, ' ').trim()` without the intermediate strings.
 */
function dropMarksAndSpaces(raw: string): string {
  const parts: string[] = [];
  let pendingSpace = false;
  let runStart = -1; // start of the current run of kept characters
  for (let i = 0; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : -1;
    const space = c >= 0 && isSpaceCode(c);
    if (c >= 0 && !space && c !== 0x2a && c !== 0x5f && c !== 0x60) {
      if (runStart < 0) {
        if (pendingSpace && parts.length > 0) parts.push(' ');
        pendingSpace = false;
        runStart = i;
      }
      continue;
    }
    if (runStart >= 0) parts.push(raw.slice(runStart, i));
    runStart = -1;
    if (space) pendingSpace = true;
  }
  return parts.join('');
}

/** Heading text without Markdown emphasis, code ticks, link targets or HTML tags. */
export function plainHeading(raw: string): string {
  return dropMarksAndSpaces(dropTags(dropLinkTargets(raw)));
}

export function markdownSections(text: string): Section[] {
  const sections: Section[] = [];
  const stack = new HeadingStack();
  let fence: string | null = null;
  let offset = 0;
  let prev: { start: number; line: string } | null = null;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const f = FENCE.exec(line);
    if (fence !== null) {
      // A fence closes with the same character, at least as long as it opened.
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && line.trim() === f[1]) fence = null;
      prev = null;
      continue;
    }
    if (f) {
      fence = f[1]!;
      prev = null;
      continue;
    }
    const atx = atxHeading(line);
    if (atx) {
      sections.push({ start, path: stack.push(atx.level, plainHeading(atx.text)) });
      prev = null;
      continue;
    }
    // Setext: the underlined line is the heading; a lone --- after a blank line is a rule.
    if (prev && (SETEXT_1.test(line) || SETEXT_2.test(line)) && /\S/.test(prev.line) && !/^\s{0,3}[-*+>]\s/.test(prev.line)) {
      sections.push({ start: prev.start, path: stack.push(SETEXT_1.test(line) ? 1 : 2, plainHeading(prev.line)) });
      prev = null;
      continue;
    }
    prev = { start, line };
  }
  return sections;
}
