/**
 * Heading structure of a Markdown text, as sections with their heading path ("Install > Linux"),
 * so every chunk can say which part of the document it comes from.
 *
 * Recognises ATX headings (`## Title`, optional closing #s) and setext headings (a line underlined
 * with === or ---). Lines inside fenced code blocks (``` or ~~~) are not headings: a shell comment
 * `# install deps` in a code sample must not become a section. Inline Markdown in a heading
 * (`**bold**`, `code`, [links](url)) is reduced to its text.
 */
import { HeadingStack, type Section } from './parsed-document.ts';

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;

/** Heading text without Markdown emphasis, code ticks, link targets or HTML tags. */
export function plainHeading(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
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
    const atx = ATX.exec(line);
    if (atx) {
      sections.push({ start, path: stack.push(atx[1]!.length, plainHeading(atx[2] ?? '')) });
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
