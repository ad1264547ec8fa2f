// The sources of an Ask page answer (for ./ask.js): one item per passage with its document link, its
// place, collection, web address, OCR note, relevance, citation check and the injection guard's
// warning, as templates/chat.ts renders them for a reopened chat. Document text and model output
// are untrusted: written with textContent only, never as HTML.
import { citationStatus, placeOf, sourceHref } from './citations.js';
import { part } from './ask-turn.js';

export function renderSources(turn, sources, answerId) {
  const list = part(turn, 'sources');
  list.replaceChildren(
    ...sources.map((s) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      head.className = 'source-head';
      const link = document.createElement('a');
      link.className = 'source-link';
      link.href = sourceHref(s, answerId);
      link.target = '_blank';
      link.rel = 'noopener';
      const name = document.createElement('strong');
      name.textContent = s.documentName;
      link.append(name);
      head.append(link);
      const place = placeOf(s);
      if (place.location) {
        const loc = document.createElement('span');
        loc.className = 'source-location';
        loc.textContent = place.location;
        head.append(' · ', loc);
      }
      if (place.headingPath) {
        const hp = document.createElement('span');
        hp.className = 'heading-path';
        hp.textContent = place.headingPath;
        head.append(' · ', hp);
      }
      if (s.collectionName) {
        const collection = document.createElement('span');
        collection.className = 'source-collection';
        collection.textContent = s.collectionName;
        head.append(' · ', collection);
      }
      if (typeof s.sourceUrl === 'string' && /^https?:\/\//i.test(s.sourceUrl)) {
        // A web page's address, as templates/chat.ts (webLink) renders it.
        const web = document.createElement('a');
        web.className = 'source-url';
        web.href = s.sourceUrl;
        web.target = '_blank';
        web.rel = 'noopener noreferrer nofollow';
        web.textContent = s.sourceUrl;
        head.append(' · ', web);
      }
      if (s.ocr === true) {
        // The same note as templates/chat.ts (OCR_NOTE).
        const ocr = document.createElement('span');
        ocr.className = 'source-ocr';
        ocr.textContent = 'text recognised by OCR; may contain errors';
        head.append(' · ', ocr);
      }
      const score = document.createElement('span');
      score.className = 'muted small';
      score.textContent = ` · relevance ${Number(s.score).toFixed(2)}`;
      head.append(score);
      const status = citationStatus(s);
      if (status) {
        const label = document.createElement('span');
        label.className = `source-status ${status.cls}`;
        label.textContent = status.text;
        head.append(' · ', label);
      }
      const excerpt = document.createElement('blockquote');
      excerpt.textContent = s.text.length > 400 ? `${s.text.slice(0, 400)}…` : s.text;
      li.append(head);
      if (s.flagged === true) {
        // The injection guard's warning (templates/chat.ts flagText): text only, never markup.
        const flag = document.createElement('div');
        flag.className = 'source-flag';
        flag.setAttribute('role', 'note');
        flag.textContent = `Flagged: this passage reads as instructions to the assistant${s.flaggedReason ? ` (${s.flaggedReason})` : ''}; it is not followed.`;
        li.append(flag);
      }
      li.append(excerpt);
      return li;
    }),
  );
  if (sources.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No passages matched: upload documents on the Documents page.';
    list.append(li);
  }
}
