/**
 * The Documents page: the upload form (htmx multipart post to /documents) and the library, one
 * page at a time with filters, sorting and bulk actions (document-list.ts).
 * Progress is live: static/document-list.js follows `GET /api/documents/events` (Server-Sent Events)
 * and updates the status, progress bar and counts of the rows shown in place, removes deleted
 * rows, and puts a new upload at the top when the list shows the newest first.
 * The list also reloads once whenever an upload finished (HX-Trigger), and each row has a delete
 * button (htmx DELETE with a confirmation) that swaps in the row's `deleting` state.
 * Each row names the collection(s) its document is in; the collection picker of the upload form is
 * read by documents.js, which uploads with `?collection=<id>`.
 */
import type { CollectionView } from '../src/ports/collection-service.ts';
import type { UploadResult } from '../src/ports/document-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { documentFilters, documentList, type DocumentListView } from './document-list.ts';
import { layout } from './layout.ts';

/** What the upload post returns: a short confirmation swapped into the form's result area. */
export function uploadResult(results: UploadResult[]): SafeHtml {
  return html`<div class="alert alert-ok" role="status"><strong>Uploaded:</strong>
  <ul>${results.map((r) => html`<li>${r.name} — ${r.duplicate ? 'already uploaded, nothing new to ingest' : r.status}</li>`)}</ul></div>`;
}

/** The upload form's collection picker: General (first in the list) is chosen unless the page says otherwise. */
function collectionPicker(collections: CollectionView[]): SafeHtml {
  return html`<label for="upload-collection" class="small">Into collection</label>
    <select id="upload-collection" name="collection">${collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>`;
}

export function documentsPage(list: DocumentListView, maxUploadMb: number): SafeHtml {
  const { collections } = list;
  const body = html`
<h1>Documents</h1>
<form id="upload-form" class="card" hx-post="/documents" hx-encoding="multipart/form-data" hx-target="#upload-result" hx-swap="innerHTML">
  <label for="file">Add documents</label>
  <p class="muted small">PDF, Word (.docx), HTML, plain text or Markdown, up to ${maxUploadMb} MB each. You can pick several files.</p>
  <div class="actions">
    ${collections.length > 0 ? collectionPicker(collections) : ''}
    <input id="file" name="file" type="file" multiple accept=".pdf,.txt,.md,.markdown,.html,.htm,.docx,application/pdf,text/plain,text/markdown,text/html,application/vnd.openxmlformats-officedocument.wordprocessingml.document">
    <button type="submit">Upload</button>
    <span class="htmx-indicator muted">Uploading…</span>
  </div>
  <div id="upload-result" aria-live="polite"></div>
</form>
<section class="card">
  <h2>Library</h2>
  ${documentFilters(list.query, collections)}
  ${documentList(list)}
</section>`;
  return layout({ title: 'Documents', page: 'documents', body, scripts: ['/static/documents.js'], modules: ['/static/document-list.js'] });
}
