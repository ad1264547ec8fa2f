/**
 * A cited passage opened in its document: the document's extracted text around the passage, the
 * passage marked with <mark>. Document text is untrusted: every piece goes through html`` escaping.
 */
import { OCR_NOTE } from '../src/contracts/source.ts';
import type { PassageView } from '../src/ports/passage-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

export function passagePage(v: PassageView): SafeHtml {
  const where = [v.source.page === null ? null : `page ${v.source.page}`, v.source.headingPath ?? null].filter((x) => x !== null).join(' · ');
  const body = html`
<h1>${v.document.name}</h1>
<p class="muted">${where === '' ? 'Cited passage' : `Cited passage · ${where}`} · <a href="/documents">All documents</a></p>
${v.source.ocr ? html`<p class="source-ocr" role="note">This page's ${OCR_NOTE}.</p>` : ''}
${v.located ? '' : html`<div class="alert alert-error">The passage could not be found in the document's current text; it is shown on its own.</div>`}
<article class="card document-text" id="document-text">${v.before}<mark id="passage">${v.passage}</mark>${v.after}</article>`;
  return layout({ title: v.document.name, page: 'documents', body, scripts: ['/static/passage.js'] });
}
