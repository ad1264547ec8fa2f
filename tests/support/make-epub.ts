/**
 * Test helper: writes a real EPUB with JSZip: the stored `mimetype` first, META-INF/container.xml,
 * an OPF package (in OEBPS/) with its manifest and spine, an EPUB 3 nav document (or an EPUB 2
 * toc.ncx with `ncx: true`), and one XHTML file per chapter. The spine order is the order given;
 * file names may be chosen to differ from it.
 */
import JSZip from 'jszip';

export interface ChapterSpec {
  /** The chapter's file name inside OEBPS/. */
  file: string;
  /** Title in the table of contents; absent: not listed. */
  tocTitle?: string;
  /** The XHTML <body> content. */
  body: string;
}

const x = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function makeEpub(title: string, chapters: ChapterSpec[], opts: { ncx?: boolean } = {}): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file('META-INF/container.xml', '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>');
  const items = chapters.map((c, i) => `<item id="c${i}" href="${c.file}" media-type="application/xhtml+xml"/>`).join('');
  const toc = opts.ncx ? '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>' : '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>';
  const spine = chapters.map((_, i) => `<itemref idref="c${i}"/>`).join('');
  zip.file('OEBPS/content.opf', `<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${x(title)}</dc:title></metadata><manifest>${items}${toc}</manifest><spine${opts.ncx ? ' toc="ncx"' : ''}>${spine}</spine></package>`);
  const listed = chapters.filter((c) => c.tocTitle !== undefined);
  if (opts.ncx) {
    const points = listed.map((c, i) => `<navPoint id="p${i}" playOrder="${i + 1}"><navLabel><text>${x(c.tocTitle!)}</text></navLabel><content src="${c.file}"/></navPoint>`).join('');
    zip.file('OEBPS/toc.ncx', `<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>${points}</navMap></ncx>`);
  } else {
    const links = listed.map((c) => `<li><a href="${c.file}">${x(c.tocTitle!)}</a></li>`).join('');
    zip.file('OEBPS/nav.xhtml', `<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>${x(title)}</title></head><body><nav epub:type="toc"><ol>${links}</ol></nav></body></html>`);
  }
  for (const c of chapters) {
    zip.file(`OEBPS/${c.file}`, `<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${x(title)}</title></head><body>${c.body}</body></html>`);
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
