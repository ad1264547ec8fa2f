/**
 * The Documents page: the upload form (htmx multipart post to /documents) and the document list.
 * The list is a fragment that reloads itself every second while any document is queued or
 * processing, and once whenever an upload finished (the `documents-changed` event from HX-Trigger).
 */
import type { DocumentView, UploadResult } from '../src/web/services.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

const BUSY = new Set(['queued', 'processing']);

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

function row(d: DocumentView): SafeHtml {
  const busy = BUSY.has(d.status);
  const pct = Math.round(d.progress * 100);
  return html`<tr data-id="${d.id}" data-status="${d.status}">
  <td class="name" title="${d.name}">${d.name}<div class="muted small">${d.mediaType} · ${formatSize(d.size)}</div></td>
  <td><span class="badge badge-${d.status}">${d.status}</span>${busy
    ? html`<div class="progress-line"><progress max="100" value="${pct}">${pct}%</progress> <span class="muted small">${d.stage} ${pct}%</span></div>`
    : ''}</td>
  <td class="num">${d.pages ?? '–'}</td>
  <td class="num">${d.chunks ?? '–'}</td>
  <td class="muted small nowrap">${formatTime(d.createdAt)}</td>
  <td class="error-cell">${d.error ?? ''}</td>
</tr>`;
}

/** The self-refreshing list fragment (also served alone at GET /documents/list). */
export function documentList(docs: DocumentView[]): SafeHtml {
  const busy = docs.some((d) => BUSY.has(d.status));
  const trigger = busy ? 'documents-changed from:body, every 1s' : 'documents-changed from:body';
  const content =
    docs.length === 0
      ? html`<p class="empty">No documents yet. Upload a PDF, text or Markdown file above; answers are drawn from what you upload.</p>`
      : html`<table class="table">
  <thead><tr><th>Document</th><th>Status</th><th class="num">Pages</th><th class="num">Chunks</th><th>Uploaded</th><th>Problem</th></tr></thead>
  <tbody>${docs.map(row)}</tbody>
</table>`;
  return html`<div id="document-list" hx-get="/documents/list" hx-trigger="${trigger}" hx-swap="outerHTML" data-busy="${busy}">${content}</div>`;
}

/** What the upload post returns: a short confirmation swapped into the form's result area. */
export function uploadResult(results: UploadResult[]): SafeHtml {
  return html`<div class="alert alert-ok" role="status"><strong>Uploaded:</strong>
  <ul>${results.map((r) => html`<li>${r.name} — ${r.duplicate ? 'already uploaded, nothing new to ingest' : r.status}</li>`)}</ul></div>`;
}

export function documentsPage(docs: DocumentView[], maxUploadMb: number): SafeHtml {
  const body = html`
<h1>Documents</h1>
<form id="upload-form" class="card" hx-post="/documents" hx-encoding="multipart/form-data" hx-target="#upload-result" hx-swap="innerHTML">
  <label for="file">Add documents</label>
  <p class="muted small">PDF, Word (.docx), HTML, plain text or Markdown, up to ${maxUploadMb} MB each. You can pick several files.</p>
  <div class="actions">
    <input id="file" name="file" type="file" multiple accept=".pdf,.txt,.md,.markdown,.html,.htm,.docx,application/pdf,text/plain,text/markdown,text/html,application/vnd.openxmlformats-officedocument.wordprocessingml.document">
    <button type="submit">Upload</button>
    <span class="htmx-indicator muted">Uploading…</span>
  </div>
  <div id="upload-result" aria-live="polite"></div>
</form>
<section class="card">
  <h2>Library</h2>
  ${documentList(docs)}
</section>`;
  return layout({ title: 'Documents', page: 'documents', body, scripts: ['/static/documents.js'] });
}
