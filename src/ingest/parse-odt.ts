/**
 * OpenDocument text (.odt: LibreOffice, Google Docs export) parser: the paragraphs of content.xml in
 * order, a blank line between them (as the Word parser writes them), headings (`text:h` with their
 * outline level) as sections, so chunks carry their heading path. Lists, tables (cell by cell),
 * text boxes and footnotes come through as their paragraphs; comments, tracked deletions and
 * footnote numbers are left out, as are pictures and formatting.
 */
import { InvalidInputError } from '../errors.ts';
import { HeadingStack, hasText, type ParsedDocument, type Section } from './parsed-document.ts';
import { openZipPackage, readXml } from './zip-package.ts';
import type { ZipFormat } from './zip-limits.ts';

export const ODT_FORMAT: ZipFormat = { ext: '.odt', document: 'the OpenDocument text' };

/** Elements whose text is not part of the document's reading text. */
const SKIPPED = new Set(['office:annotation', 'office:annotation-end', 'text:tracked-changes', 'text:note-citation', 'office:automatic-styles', 'office:font-face-decls']);

/** The text and heading sections of an ODF content.xml. */
export function odtText(xml: string): { text: string; sections: Section[] } {
  const paragraphs: string[] = [];
  const sections: Section[] = [];
  const headings = new HeadingStack();
  let length = 0;
  let skipped = 0;
  /** Open paragraphs (text:p / text:h nest through text boxes and notes): their text so far. */
  const open: Array<{ text: string; level: number | null }> = [];
  readXml(xml, {
    onopentag(name, attrs) {
      if (SKIPPED.has(name)) skipped++;
      if (skipped > 0) return;
      const top = open.at(-1);
      if (name === 'text:p' || name === 'text:h') open.push({ text: '', level: name === 'text:h' ? Number(attrs['text:outline-level'] ?? 1) || 1 : null });
      else if (name === 'text:s' && top) top.text += ' '.repeat(Math.min(100, Number(attrs['text:c'] ?? 1) || 1));
      else if (name === 'text:tab' && top) top.text += '\t';
      else if (name === 'text:line-break' && top) top.text += '\n';
    },
    ontext(text) {
      const top = open.at(-1);
      if (skipped === 0 && top) top.text += text;
    },
    onclosetag(name) {
      if (SKIPPED.has(name)) {
        skipped--;
        return;
      }
      if (skipped > 0 || (name !== 'text:p' && name !== 'text:h')) return;
      const done = open.pop();
      const line = (done?.text ?? '').replace(/[ \t]+\n/g, '\n').trim();
      if (!done || line === '') return;
      const start = length + (paragraphs.length > 0 ? 2 : 0);
      if (done.level !== null) sections.push({ start, path: headings.push(Math.min(done.level, 10), line.replace(/\s+/g, ' ')) });
      paragraphs.push(line);
      length = start + line.length;
    },
  });
  return { text: paragraphs.join('\n\n'), sections };
}

/** @throws InvalidInputError when the file is damaged, a zip bomb, or has no text. */
export async function parseOdt(bytes: Uint8Array): Promise<ParsedDocument> {
  const pkg = await openZipPackage(bytes, ODT_FORMAT);
  const xml = await pkg.text('content.xml');
  if (xml === null) throw new InvalidInputError('the OpenDocument text could not be read (no content.xml)', { code: 'unreadable' });
  const { text, sections } = odtText(xml);
  if (!hasText(text)) throw new InvalidInputError('the OpenDocument text has no text', { code: 'no_text' });
  return { pages: [{ page: null, text, sections }], pageCount: null };
}
