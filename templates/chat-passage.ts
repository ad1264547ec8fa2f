/**
 * A cited passage opened in its document: the document's extracted text around the passage, the
 * passage marked with <mark>, and inside it the sentence that best supports the citation (when the
 * link came from an answer whose citation check found one) in a nested <mark class="support">. Document text is untrusted: every piece goes through html`` escaping.
 */
import { placeLine } from '../src/contracts/location.ts';
import { OCR_NOTE } from '../src/contracts/source.ts';
import type { PassageView } from '../src/ports/passage-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

/** The passage with the sentence that best supports the citation in a nested <mark>; all text escaped. */
function markSupporting(v: PassageView): SafeHtml | string {
  const s = v.supporting;
  if (!s) return v.passage;
  const title = v.source.supported === false ? 'closest sentence: it may not support the cited sentence' : 'the sentence that supports the citation';
  return html`${v.passage.slice(0, s.start)}<mark class="support${v.source.supported === false ? ' support-weak' : ''}" id="support" title="${title}">${v.passage.slice(s.start, s.end)}</mark>${v.passage.slice(s.end)}`;
}

export function passagePage(v: PassageView): SafeHtml {
  const where = placeLine(v.source);
  const body = html`
<h1>${v.document.name}</h1>
<p class="muted">${where === '' ? 'Cited passage' : `Cited passage · ${where}`} · <a href="/documents">All documents</a></p>
${v.source.ocr ? html`<p class="source-ocr" role="note">This page's ${OCR_NOTE}.</p>` : ''}
${v.located ? '' : html`<div class="alert alert-error">The passage could not be found in the document's current text; it is shown on its own.</div>`}
<article class="card document-text" id="document-text">${v.before}<mark id="passage">${markSupporting(v)}</mark>${v.after}</article>`;
  return layout({ title: v.document.name, page: 'documents', body, scripts: ['/static/passage.js'] });
}
