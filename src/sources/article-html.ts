/**
 * The readable article of a web page (Mozilla Readability over linkedom): its title and main text
 * as a small HTML document, headings kept, so the normal HTML parser makes sections of it.
 * Navigation, ads and footers go. A page Readability finds no article in is kept as it came.
 * Pure and synchronous: article-extractor.ts runs it in a worker thread, off the web's event loop.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The article as HTML, or undefined when the page has none Readability recognises. */
export function articleHtml(html: string, url: string): string | undefined {
  const { document } = parseHTML(html);
  // Readability resolves links against the document's URL; linkedom has none of its own.
  const base = document.createElement('base');
  base.setAttribute('href', url);
  document.head?.appendChild(base);
  const article = new Readability(document).parse();
  if (!article?.content || (article.textContent ?? '').trim() === '') return undefined;
  const title = escape((article.title ?? '').trim());
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${title ? `<h1>${title}</h1>` : ''}${article.content}</body></html>`;
}

/** The page's <title>, for naming the document. */
export function pageTitle(html: string): string | undefined {
  const m = /<title[^>]*>([^<]{1,300})<\/title>/i.exec(html.slice(0, 256 * 1024));
  return m?.[1]?.replace(/\s+/g, ' ').trim() || undefined;
}
