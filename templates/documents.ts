/**
 * The Documents page: the upload form, also a drop zone for files and folders (static/upload-drop.js;
 * without JavaScript a multipart post to /documents), and the document list.
 * Progress is live: static/documents.js follows `GET /api/documents/events` (Server-Sent Events)
 * and updates each row's status, progress bar and counts in place, removes deleted rows, and
 * reloads the list fragment (`documents-changed`) when a document it does not show appears.
 * The list also reloads once whenever an upload finished (HX-Trigger), and each row has a delete
 * button (htmx DELETE with a confirmation) that swaps in the row's `deleting` state.
 * Each row names the collection(s) its document is in; the collection picker of the upload form is
 * read by upload-drop.js, which uploads with `?collection=<id>`.
 */
import { ACCEPTED_EXTENSIONS, ACCEPTED_FORMATS, ACCEPTED_MEDIA_TYPES } from '../src/contracts/accepted-files.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import type { DocumentView, UploadResult } from '../src/ports/document-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

const BUSY = new Set(['queued', 'processing', 'deleting']);

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** "embedding chunk 12/40 · 45%": the stage, what it is counting when it counts, and the share done. */
export function progressLabel(d: Pick<DocumentView, 'stage' | 'progress' | 'done' | 'total'>): string {
  const unit = d.stage === 'parsing' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}

/** Collection id -> name, for naming a document's collections. */
export type CollectionNames = ReadonlyMap<string, string>;

/** The names of a document's collections (an id the map does not know is a collection being deleted: left out). */
function collectionNames(d: DocumentView, names: CollectionNames): string {
  return (d.collections ?? []).flatMap((id) => names.get(id) ?? []).join(', ');
}

/** One document's row (also what DELETE /documents/:id returns, in its `deleting` state). */
export function documentRow(d: DocumentView, names: CollectionNames = new Map()): SafeHtml {
  const busy = BUSY.has(d.status);
  const pct = Math.round(d.progress * 100);
  const deletable = d.status !== 'deleting';
  return html`<tr data-id="${d.id}" data-status="${d.status}">
  <td class="name" title="${d.name}">${d.name}<div class="muted small">${d.mediaType} · ${formatSize(d.size)}</div></td>
  <td class="collections-cell small">${collectionNames(d, names)}</td>
  <td class="status-cell"><span class="badge badge-${d.status}">${d.status}</span>${busy && d.status !== 'deleting'
    ? html`<div class="progress-line"><progress max="100" value="${pct}">${pct}%</progress> <span class="muted small progress-label">${progressLabel(d)}</span></div>`
    : ''}</td>
  <td class="num pages-cell">${d.pages ?? '–'}</td>
  <td class="num chunks-cell">${d.chunks ?? '–'}</td>
  <td class="muted small nowrap">${formatTime(d.createdAt)}</td>
  <td class="error-cell">${d.error ?? ''}</td>
  <td>${deletable
    ? html`<button type="button" class="delete-button" hx-delete="/documents/${d.id}" hx-target="closest tr" hx-swap="outerHTML"
      hx-confirm="Delete ${d.name}? Its passages will no longer be used in answers." aria-label="Delete ${d.name}">Delete</button>`
    : ''}</td>
</tr>`;
}

/** The self-refreshing list fragment (also served alone at GET /documents/list). */
export function documentList(docs: DocumentView[], names: CollectionNames = new Map()): SafeHtml {
  const busy = docs.some((d) => BUSY.has(d.status));
  // No polling: progress arrives over /api/documents/events (static/documents.js).
  const trigger = 'documents-changed from:body';
  const content =
    docs.length === 0
      ? html`<p class="empty">No documents yet. Upload a PDF, text or Markdown file above; answers are drawn from what you upload.</p>`
      : html`<table class="table">
  <thead><tr><th>Document</th><th>Collections</th><th>Status</th><th class="num">Pages</th><th class="num">Chunks</th><th>Uploaded</th><th>Problem</th><th aria-label="Actions"></th></tr></thead>
  <tbody>${docs.map((d) => documentRow(d, names))}</tbody>
</table>`;
  return html`<div id="document-list" hx-get="/documents/list" hx-trigger="${trigger}" hx-swap="outerHTML" data-busy="${busy}">${content}</div>`;
}

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
function uploadForm(maxUploadBytes: number, collections: CollectionView[]): SafeHtml {
  const mb = Math.round((maxUploadBytes / (1024 * 1024)) * 10) / 10;
  return html`<form id="upload-form" class="card drop-zone" method="post" action="/documents" enctype="multipart/form-data"
  hx-post="/documents" hx-encoding="multipart/form-data" hx-target="#upload-result" hx-swap="innerHTML"
  data-accept-extensions="${ACCEPTED_EXTENSIONS.join(',')}" data-accept-types="${ACCEPTED_MEDIA_TYPES.join(',')}"
  data-accepted="${ACCEPTED_FORMATS}" data-max-bytes="${maxUploadBytes}">
  <label for="file">Add documents</label>
  <p class="muted small">PDF, Word (.docx), HTML, plain text or Markdown, up to ${mb} MB each. You can pick several files<span class="drop-hint" hidden>, pick a folder, or drop files and folders anywhere on this box</span>.</p>
  <div class="actions">
    ${collections.length > 0 ? collectionPicker(collections) : ''}
    <input id="file" name="file" type="file" multiple accept="${ACCEPT}">
    <span class="folder-picker" hidden><label for="folder" class="small">or a folder</label> <input id="folder" type="file" webkitdirectory multiple></span>
    <button type="submit">Upload</button>
    <span class="htmx-indicator muted">Uploading…</span>
  </div>
  <div id="upload-result" aria-live="polite"></div>
</form>`;
}

export function documentsPage(docs: DocumentView[], maxUploadBytes: number, collections: CollectionView[] = []): SafeHtml {
  const names = new Map(collections.map((c) => [c.id, c.name]));
  const body = html`
<h1>Documents</h1>
${uploadForm(maxUploadBytes, collections)}
<section class="card">
  <h2>Library</h2>
  ${documentList(docs, names)}
</section>`;
  return layout({ title: 'Documents', page: 'documents', body, scripts: ['/static/documents.js'], modules: ['/static/upload-drop.js'] });
}
