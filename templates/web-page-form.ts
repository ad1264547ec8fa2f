/**
 * "Add a web page" on the Documents page: a URL (and the collection) posted to /documents/url;
 * htmx shows the outcome in place, a plain post redirects back to the page. The result fragments
 * of add and refresh are here too.
 */
import { html, type SafeHtml } from '../src/web/html.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import type { RefreshResult, WebPageResult } from '../src/ports/web-pages.ts';

export function webPageForm(collections: CollectionView[]): SafeHtml {
  return html`<form id="web-page-form" class="card" method="post" action="/documents/url" hx-post="/documents/url" hx-target="#web-page-result" hx-swap="innerHTML">
  <label for="web-page-url">Add a web page</label>
  <p class="muted small">Docent fetches the page and keeps its readable article text (PDFs and other documents on the web work too). Use Refresh on it later to fetch it again.</p>
  <div class="actions">
    ${collections.length > 0 ? html`<select name="collection" aria-label="Into collection">${collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>` : ''}
    <input id="web-page-url" name="url" type="url" required maxlength="2000" placeholder="https://example.org/article">
    <button type="submit">Add page</button>
    <span class="htmx-indicator muted">Fetching…</span>
  </div>
  <div id="web-page-result" aria-live="polite"></div>
</form>`;
}

export function webPageResult(r: WebPageResult): SafeHtml {
  return html`<div class="alert alert-ok" role="status"><strong>Added:</strong> ${r.name} — ${r.duplicate ? 'already in the library, nothing new to ingest' : r.status}</div>`;
}

export function refreshResult(r: RefreshResult): SafeHtml {
  return html`<div class="alert alert-ok" role="status">${r.unchanged ? html`<strong>${r.name}</strong> has not changed since it was fetched.` : html`<strong>${r.name}</strong> changed: its passages are being replaced.`}</div>`;
}
