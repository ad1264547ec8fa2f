/**
 * The Documents page: the upload form, also a drop zone for files and folders (static/upload-drop.js;
 * without JavaScript a multipart post to /documents), and the library, one page at a time with
 * filters, sorting and bulk actions (document-list.ts).
 * Progress is live: static/document-live.js follows `GET /api/documents/events` (Server-Sent Events)
 * and updates the status, progress bar and counts of the rows shown in place, removes deleted
 * rows, and puts a new upload at the top when the list shows the newest first.
 * The list also reloads once whenever an upload finished (HX-Trigger), and each row has a delete
 * button (htmx DELETE with a confirmation) that swaps in the row's `deleting` state.
 * Each row names the collection(s) its document is in; the collection picker of the upload form is
 * read by upload-drop.js, which uploads with `?collection=<id>`.
 */
import { ACCEPTED_EXTENSIONS, ACCEPTED_FORMATS, ACCEPTED_MEDIA_TYPES } from '../src/contracts/accepted-files.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import type { UploadResult } from '../src/ports/document-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { documentFilters, documentList, type DocumentListView } from './document-list.ts';
import { layout } from './layout.ts';
import { webPageForm } from './web-page-form.ts';

/** What the upload post returns: a short confirmation swapped into the form's result area. */
export function uploadResult(results: UploadResult[]): SafeHtml {
  return html`<div class="alert alert-ok" role="status"><strong>Uploaded:</strong>
  <ul>${results.map((r) => html`<li>${r.name} — ${r.duplicate ? 'already uploaded, nothing new to ingest' : r.status}</li>`)}</ul></div>`;
}

/**
 * The upload form's collection picker: only collections the user may write (an upload anywhere
 * else is refused). General (first in the list) is chosen unless the page says otherwise.
 */
function collectionPicker(collections: CollectionView[]): SafeHtml {
  return html`<label for="upload-collection" class="small">Into collection</label>
    <select id="upload-collection" name="collection">${collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>`;
}

/** The `accept` list of the file picker: the accepted extensions and media types. */
const ACCEPT = [...ACCEPTED_EXTENSIONS, ...ACCEPTED_MEDIA_TYPES].join(',');

/**
 * The upload form, which is also the drop zone. Without JavaScript it is a plain multipart post of
 * the chosen files to /documents. static/upload-drop.js takes it over: files and folders dropped
 * anywhere on it or chosen with the pickers are checked against the data attributes (accepted
 * extensions and media types, the per-file limit in bytes; the server's own lists) and sent one per
 * request with a progress bar each, then followed through ingestion. The folder picker has no name
 * (a plain post leaves it out) and shows only once the script runs.
 */
function uploadForm(maxUploadBytes: number, collections: CollectionView[], closed: boolean): SafeHtml {
  const mb = Math.round((maxUploadBytes / (1024 * 1024)) * 10) / 10;
  return html`<form id="upload-form" class="card drop-zone" method="post" action="/documents" enctype="multipart/form-data"
  hx-post="/documents" hx-encoding="multipart/form-data" hx-target="#upload-result" hx-swap="innerHTML"
  data-accept-extensions="${ACCEPTED_EXTENSIONS.join(',')}" data-accept-types="${ACCEPTED_MEDIA_TYPES.join(',')}"
  data-accepted="${ACCEPTED_FORMATS}" data-max-bytes="${maxUploadBytes}">
  <label for="file">Add documents</label>
  <p class="muted small">PDF, Word (.docx), HTML, plain text or Markdown, up to ${mb} MB each. You can pick several files<span class="drop-hint" hidden>, pick a folder, or drop files and folders anywhere on this box</span>.</p>
  <div class="actions">
    ${collections.length > 0 ? collectionPicker(collections) : closed ? html`<span class="muted small no-upload-target">No collection is open to you for uploads: ask an admin for write access to one.</span>` : ''}
    <input id="file" name="file" type="file" multiple accept="${ACCEPT}">
    <span class="folder-picker" hidden><label for="folder" class="small">or a folder</label> <input id="folder" type="file" webkitdirectory multiple></span>
    <button type="submit">Upload</button>
    <span class="htmx-indicator muted">Uploading…</span>
  </div>
  <div id="upload-result" aria-live="polite"></div>
</form>`;
}

/** `webPages`: show "Add a web page" (the service can fetch pages). */
export function documentsPage(list: DocumentListView, maxUploadBytes: number, webPages = false): SafeHtml {
  const { collections, writable = collections } = list;
  const body = html`
<h1>Documents</h1>
${uploadForm(maxUploadBytes, writable, list.writable !== undefined && writable.length === 0)}
${webPages ? webPageForm(writable) : ''}
<section class="card">
  <h2>Library</h2>
  ${documentFilters(list.query, collections)}
  ${documentList(list)}
</section>`;
  return layout({ title: 'Documents', page: 'documents', body, modules: ['/static/document-list.js', '/static/upload-drop.js'] });
}
