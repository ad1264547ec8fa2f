/**
 * PowerPoint (.pptx) parser: slide by slide in the presentation's order (`ppt/presentation.xml`
 * lists them; file names do not order them), each slide one page numbered from 1, so a citation
 * names the slide ("slide 3 · Results": the slide as its location, its title as the section). A slide's text is its title, then the text of
 * its other shapes and tables paragraph by paragraph, then its speaker notes after a line
 * "Speaker notes:". Slide numbers, dates, footers and pictures are left out; slides without text
 * are left out too (they still count in pageCount).
 */
import { slideLocation } from '../contracts/location.ts';
import { InvalidInputError } from '../errors.ts';
import { capHeading, hasText, type ParsedDocument, type ParsedPage } from './parsed-document.ts';
import { localName, openZipPackage, readXml, relationships, type ZipPackage } from './zip-package.ts';
import type { ZipFormat } from './zip-limits.ts';

export const PPTX_FORMAT: ZipFormat = { ext: '.pptx', document: 'the PowerPoint presentation' };

/** Placeholders that repeat on every slide and say nothing about it. */
const SKIPPED_PLACEHOLDERS = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);
const TITLE_PLACEHOLDERS = new Set(['title', 'ctrTitle']);

interface SlideText {
  title: string;
  body: string[];
}

/** The text of a slide (or notes) part, shape by shape: the title apart, other paragraphs in order. */
export function slideText(xml: string): SlideText {
  const out: SlideText = { title: '', body: [] };
  let shape: { placeholder: string | null; paragraphs: string[] } | null = null;
  let paragraph = '';
  let inText = false;
  const endShape = () => {
    if (!shape) return;
    if (shape.placeholder !== null && TITLE_PLACEHOLDERS.has(shape.placeholder) && out.title === '') out.title = shape.paragraphs.join(' ');
    else if (shape.placeholder === null || !SKIPPED_PLACEHOLDERS.has(shape.placeholder)) out.body.push(...shape.paragraphs);
    shape = null;
  };
  readXml(xml, {
    onopentag(name, attrs) {
      const n = localName(name);
      if (n === 'sp' || n === 'graphicFrame') {
        endShape();
        shape = { placeholder: null, paragraphs: [] };
      } else if (n === 'ph' && shape) shape.placeholder = attrs.type ?? 'body';
      else if (n === 't') inText = true;
      else if (n === 'br') paragraph += '\n';
      else if (n === 'p' && name.startsWith('a:')) paragraph = '';
    },
    ontext(text) {
      if (inText) paragraph += text;
    },
    onclosetag(name) {
      const n = localName(name);
      if (n === 't') inText = false;
      else if (n === 'p' && name.startsWith('a:')) {
        const line = paragraph.replace(/[ \t]+/g, ' ').trim();
        if (line !== '') (shape ??= { placeholder: null, paragraphs: [] }).paragraphs.push(line);
        paragraph = '';
      } else if (n === 'sp' || n === 'graphicFrame') endShape();
    },
  });
  endShape();
  return out;
}

/** Slide part names in presentation order. */
async function slideOrder(pkg: ZipPackage): Promise<string[]> {
  const xml = await pkg.text('ppt/presentation.xml');
  if (xml === null) throw new InvalidInputError('the PowerPoint presentation could not be read (no ppt/presentation.xml)', { code: 'unreadable' });
  const rels = await relationships(pkg, 'ppt/presentation.xml');
  const slides: string[] = [];
  readXml(xml, {
    onopentag(name, attrs) {
      if (localName(name) !== 'sldId') return;
      const rel = attrs['r:id'] === undefined ? undefined : rels.get(attrs['r:id']);
      if (rel) slides.push(rel.target);
    },
  });
  return slides;
}

/** @throws InvalidInputError when the file is damaged, a zip bomb, or has no text. */
export async function parsePptx(bytes: Uint8Array): Promise<ParsedDocument> {
  const pkg = await openZipPackage(bytes, PPTX_FORMAT);
  const slides = await slideOrder(pkg);
  const pages: ParsedPage[] = [];
  for (const [i, part] of slides.entries()) {
    const xml = await pkg.text(part);
    if (xml === null) continue;
    const slide = slideText(xml);
    const notesPart = [...(await relationships(pkg, part)).values()].find((r) => r.type.endsWith('/notesSlide'));
    const notesXml = notesPart ? await pkg.text(notesPart.target) : null;
    const notes = notesXml === null ? [] : slideText(notesXml).body;
    const blocks = [slide.title, slide.body.join('\n'), notes.length > 0 ? `Speaker notes:\n${notes.join('\n')}` : ''].filter(hasText);
    if (blocks.length === 0) continue;
    const n = i + 1;
    const title = slide.title.replace(/\s+/g, ' ').trim();
    // The slide is the citation's unit; its title is the section within it.
    pages.push({ page: n, text: blocks.join('\n\n'), location: slideLocation(n), ...(title === '' ? {} : { sections: [{ start: 0, path: capHeading(title) }] }) });
  }
  if (pages.length === 0) throw new InvalidInputError('the PowerPoint presentation has no text on its slides or in its notes', { code: 'no_text' });
  return { pages, pageCount: slides.length };
}
