/**
 * EPUB parser: the chapters in the book's reading order (the OPF spine), each an XHTML document read
 * by the HTML parser (parse-html.ts: visible text, headings as sections), joined into one text.
 * Every chapter starts a section named by the book's table of contents (the EPUB 3 nav document,
 * else the EPUB 2 toc.ncx); a chapter's own headings sit under it ("Chapter 2 > The harbour"), and
 * a citation names the chapter (`chapter "Chapter 2"`, src/contracts/location.ts).
 * Chapters without text (a cover picture) are left out; the book's dc:title is the title.
 * Pictures, styles, scripts and fonts are not read. Container, OPF and chapters are found through
 * META-INF/container.xml, as reading systems do.
 */
import { chapterLocation } from '../contracts/location.ts';
import { InvalidInputError } from '../errors.ts';
import { parseHtml } from './parse-html.ts';
import { capHeading, hasText, type ParsedDocument, type Section } from './parsed-document.ts';
import { localName, openZipPackage, readXml, resolvePart, type ZipPackage } from './zip-package.ts';
import type { ZipFormat } from './zip-limits.ts';

export const EPUB_FORMAT: ZipFormat = { ext: '.epub', document: 'the EPUB e-book' };

interface Opf {
  title: string | null;
  /** Chapter part names in reading order. */
  spine: string[];
  /** The EPUB 3 nav document and the EPUB 2 NCX, when present. */
  nav: string | null;
  ncx: string | null;
}

function unreadable(what: string): InvalidInputError {
  return new InvalidInputError(`the EPUB e-book could not be read (${what})`, { code: 'unreadable' });
}

async function readOpf(pkg: ZipPackage): Promise<Opf> {
  const container = await pkg.text('META-INF/container.xml');
  if (container === null) throw unreadable('no META-INF/container.xml');
  let opfPath: string | null = null;
  readXml(container, {
    onopentag(name, attrs) {
      if (localName(name) === 'rootfile' && opfPath === null && attrs['full-path']) opfPath = attrs['full-path'];
    },
  });
  const opfName: string | null = opfPath;
  const opf = opfName === null ? null : await pkg.text(opfName);
  if (opfName === null || opf === null) throw unreadable('no package document');
  const items = new Map<string, { href: string; type: string; properties: string }>();
  const idrefs: string[] = [];
  let tocId: string | null = null;
  let title: string | null = null;
  let inTitle = false;
  let titleText = '';
  readXml(opf, {
    onopentag(name, attrs) {
      const n = localName(name);
      if (n === 'item' && attrs.id && attrs.href) items.set(attrs.id, { href: resolvePart(opfName, attrs.href), type: attrs['media-type'] ?? '', properties: attrs.properties ?? '' });
      else if (n === 'itemref' && attrs.idref) idrefs.push(attrs.idref);
      else if (n === 'spine') tocId = attrs.toc ?? null;
      else if (n === 'title' && name.startsWith('dc:') && title === null) inTitle = true;
    },
    ontext(text) {
      if (inTitle) titleText += text;
    },
    onclosetag(name) {
      if (inTitle && localName(name) === 'title') {
        inTitle = false;
        const t = titleText.replace(/\s+/g, ' ').trim();
        if (t !== '') title = capHeading(t);
      }
    },
  });
  const spine = idrefs.map((id) => items.get(id)).filter((i) => i !== undefined && /html/.test(i.type)).map((i) => i!.href);
  const nav = [...items.values()].find((i) => i.properties.split(/\s+/).includes('nav'))?.href ?? null;
  const ncxId: string | null = tocId;
  const ncx = (ncxId === null ? undefined : items.get(ncxId)?.href) ?? [...items.values()].find((i) => i.type === 'application/x-dtbncx+xml')?.href ?? null;
  return { title, spine, nav, ncx };
}

/** Chapter part -> its first title in the table of contents (nav document, else NCX). */
async function tocTitles(pkg: ZipPackage, opf: Opf): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  const add = (source: string, href: string | undefined, label: string) => {
    const text = label.replace(/\s+/g, ' ').trim();
    if (href === undefined || text === '') return;
    const part = resolvePart(source, href);
    if (!titles.has(part)) titles.set(part, capHeading(text));
  };
  const navXml = opf.nav === null ? null : await pkg.text(opf.nav);
  if (navXml !== null && opf.nav !== null) {
    const source = opf.nav;
    let link: { href: string | undefined; text: string } | null = null;
    let tocDepth = 0; // inside <nav epub:type="toc">
    let navDepth = 0;
    readXml(navXml, {
      onopentag(name, attrs) {
        const n = localName(name);
        if (n === 'nav') {
          navDepth++;
          if (tocDepth === 0 && (attrs['epub:type'] ?? '').split(/\s+/).includes('toc')) tocDepth = navDepth;
        } else if (n === 'a' && tocDepth > 0) link = { href: attrs.href, text: '' };
      },
      ontext(text) {
        if (link) link.text += text;
      },
      onclosetag(name) {
        const n = localName(name);
        if (n === 'a' && link) {
          add(source, link.href, link.text);
          link = null;
        } else if (n === 'nav') {
          if (navDepth === tocDepth) tocDepth = 0;
          navDepth--;
        }
      },
    });
  }
  const ncxXml = titles.size > 0 || opf.ncx === null ? null : await pkg.text(opf.ncx);
  if (ncxXml !== null && opf.ncx !== null) {
    const source = opf.ncx;
    const labels: string[] = [];
    let inLabel = false;
    readXml(ncxXml, {
      onopentag(name, attrs) {
        const n = localName(name);
        if (n === 'navPoint') labels.push('');
        else if (n === 'text') inLabel = true;
        else if (n === 'content' && labels.length > 0) add(source, attrs.src, labels.at(-1)!);
      },
      ontext(text) {
        if (inLabel && labels.length > 0) labels[labels.length - 1] += text;
      },
      onclosetag(name) {
        const n = localName(name);
        if (n === 'text') inLabel = false;
        else if (n === 'navPoint') labels.pop();
      },
    });
  }
  return titles;
}

/** @throws InvalidInputError when the file is damaged, a zip bomb, or has no text. */
export async function parseEpub(bytes: Uint8Array): Promise<ParsedDocument> {
  const pkg = await openZipPackage(bytes, EPUB_FORMAT);
  const opf = await readOpf(pkg);
  const titles = await tocTitles(pkg, opf);
  const texts: string[] = [];
  const sections: Section[] = [];
  let at = 0;
  for (const part of opf.spine) {
    const chapter = await pkg.bytes(part);
    if (chapter === null) continue;
    let page;
    try {
      page = parseHtml(chapter, { leadWithTitle: false }).pages[0];
    } catch (err) {
      if (err instanceof InvalidInputError) continue; // nothing visible: a cover or a blank page
      throw err;
    }
    if (!page || !hasText(page.text)) continue;
    const start = at + (texts.length > 0 ? 2 : 0);
    const title = titles.get(part);
    // A chapter the table of contents names is the citation's unit for all of its text.
    const unit = title === undefined ? {} : { location: chapterLocation(title) };
    if (title !== undefined) sections.push({ start, path: title, ...unit });
    // An untitled chapter (no entry in the contents) after a titled one is not part of it.
    else if (sections.length > 0) sections.push({ start, path: '' });
    for (const s of page.sections ?? []) {
      const inner = title === undefined || s.path === title || s.path.startsWith(`${title} > `) ? s.path : `${title} > ${s.path}`;
      // A chapter's opening heading that repeats its title adds nothing to the section above.
      if (title !== undefined && s.start === 0 && s.path === title) continue;
      sections.push({ start: start + s.start, path: inner, ...unit });
    }
    texts.push(page.text);
    at = start + page.text.length;
  }
  if (texts.length === 0) throw new InvalidInputError('the EPUB e-book has no text in its chapters', { code: 'no_text' });
  return { pages: [{ page: null, text: texts.join('\n\n'), sections }], pageCount: null, title: opf.title };
}
