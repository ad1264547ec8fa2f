/**
 * The Documents page's library: filters (name search, status, collection), the table of one page
 * of documents with sortable column headers, row checkboxes with the bulk actions (delete, move to
 * a collection), and "Load more". Only one page is rendered at a time (DOCUMENT_PAGE_DEFAULT rows),
 * never the whole library. Everything works as plain links and a GET form; with scripts, htmx
 * swaps the list fragment (GET /documents/list) in place and static/document-list.js appends the next
 * page's rows (GET /documents/rows, next cursor in the `Docent-Next` header, as the chat list's
 * "Show more" does), runs the bulk actions and keeps the shown rows live.
 * The current sort travels with the filter form through hidden inputs bound to it (form=).
 */
import type { CollectionView } from '../src/ports/collection-service.ts';
import type { DocumentPage, DocumentPageQuery, DocumentSort, DocumentView } from '../src/ports/document-service.ts';
import { LISTED_STATUSES, toSearch } from '../src/web/document-query.ts';
import { html, type SafeHtml } from '../src/web/html.ts';

const BUSY = new Set(['queued', 'processing', 'deleting']);

/** Collection id -> name, for naming a document's collections. */
export type CollectionNames = ReadonlyMap<string, string>;

/** What the list shows: one page, the query that chose it and the collections (names, filter). */
export interface DocumentListView {
  page: DocumentPage;
  query: DocumentPageQuery;
  collections: CollectionView[];
  /** The collections the user may write (upload and move pickers); unset (sign-in off): all of `collections`. */
  writable?: CollectionView[];
}

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
  const unit = d.stage === 'parsing' || d.stage === 'recognising' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}

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
  <td class="select-cell"><input type="checkbox" class="row-select" value="${d.id}" aria-label="Select ${d.name}"></td>
  <td class="name" title="${d.name}">${d.name}<div class="muted small">${d.mediaType} · ${formatSize(d.size)}</div>${d.sourceUrl ? sourceLink(d) : ''}</td>
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

/** A web page's address (opens the page) and its Refresh button (fetches it again). */
function sourceLink(d: DocumentView): SafeHtml {
  return html`<div class="small source-url"><a href="${d.sourceUrl ?? ''}" rel="noopener noreferrer nofollow" target="_blank">${d.sourceUrl ?? ''}</a>
    <button type="button" class="refresh-button" hx-post="/documents/${d.id}/refresh" hx-target="closest tr" hx-swap="outerHTML" aria-label="Refresh ${d.name}">Refresh</button></div>`;
}

/** Rows of a page (GET /documents/rows: the rows "Load more" appends). */
export function documentRows(docs: DocumentView[], names: CollectionNames): SafeHtml {
  return html`${docs.map((d) => documentRow(d, names))}`;
}

const withQuery = (path: string, p: URLSearchParams): string => (p.size > 0 ? `${path}?${p.toString()}` : path);

/** A link that sorts by `sort` (again: the other way round), with ▲/▼ on the active one. */
function sortLink(label: string, sort: DocumentSort, q: DocumentPageQuery): SafeHtml {
  const active = q.sort === sort;
  const params = toSearch(q, active ? { sort, order: q.order === 'asc' ? 'desc' : 'asc' } : { sort });
  return html`<a class="sort-link" href="${withQuery('/documents', params)}" hx-get="${withQuery('/documents/list', params)}" hx-target="#document-list"
    hx-swap="outerHTML" title="Sort by ${sort}">${label}${active ? (q.order === 'asc' ? ' ▲' : ' ▼') : ''}</a>`;
}

/** A column header sorting by `sort`, and saying so to screen readers when it is the active one. */
function sortHeader(content: SafeHtml, sorts: DocumentSort[], q: DocumentPageQuery): SafeHtml {
  const active = sorts.includes(q.sort) ? (q.order === 'asc' ? 'ascending' : 'descending') : undefined;
  return html`<th${active ? html` aria-sort="${active}"` : ''}>${content}</th>`;
}

/** The filter form (outside the list fragment, so typing in it is never swapped away). */
export function documentFilters(q: DocumentPageQuery, collections: CollectionView[]): SafeHtml {
  return html`<form id="document-filters" class="filters actions" role="search" action="/documents" method="get"
    hx-get="/documents/list" hx-target="#document-list" hx-swap="outerHTML" hx-trigger="submit, input delay:300ms">
  <input type="search" name="q" value="${q.q ?? ''}" maxlength="200" placeholder="Search names" aria-label="Search document names">
  <select name="status" aria-label="Status"><option value="">Any status</option>${LISTED_STATUSES.map((s) => html`<option value="${s}"${q.status === s ? ' selected' : ''}>${s}</option>`)}</select>
  <select name="collection" aria-label="Collection"><option value="">Every collection</option>${collections.map((c) => html`<option value="${c.id}"${q.collectionId === c.id ? ' selected' : ''}>${c.name}</option>`)}</select>
  <button type="submit" class="secondary">Filter</button>
</form>`;
}

/** Select-all, the bulk actions and what they did (static/document-bulk.js runs them). */
function bulkBar(collections: CollectionView[]): SafeHtml {
  return html`<div class="bulk-bar actions" id="bulk-bar">
  <label class="small"><input type="checkbox" id="select-all"> Select all shown</label>
  <span class="muted small" id="selected-count">0 selected</span>
  <button type="button" class="secondary" id="bulk-delete" disabled>Delete</button>
  <label for="bulk-move-to" class="small">Move to</label>
  <select id="bulk-move-to">${collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>
  <button type="button" class="secondary" id="bulk-move" disabled>Move</button>
  <span class="small" id="bulk-result" role="status" aria-live="polite"></span>
</div>`;
}

/** True when the list starts with the newest documents, unfiltered: where a new upload belongs at the top. */
function newestFirst(q: DocumentPageQuery): boolean {
  return q.sort === 'added' && q.order === 'desc' && q.cursor === undefined && q.q === undefined && q.status === undefined && q.collectionId === undefined;
}

/** The list fragment (also served alone at GET /documents/list); reloads itself on `documents-changed`. */
export function documentList({ page, query, collections, writable = collections }: DocumentListView): SafeHtml {
  const names = new Map(collections.map((c) => [c.id, c.name]));
  const search = toSearch(query);
  const busy = page.documents.some((d) => BUSY.has(d.status));
  const filtered = query.q !== undefined || query.status !== undefined || query.collectionId !== undefined;
  const content =
    page.documents.length === 0
      ? filtered
        ? html`<p class="empty">No documents match these filters.</p>`
        : html`<p class="empty">No documents yet. Upload a PDF, text or Markdown file above; answers are drawn from what you upload.</p>`
      : html`${bulkBar(writable)}
<p class="muted small" id="document-count" data-total="${page.total}">Showing <span id="shown-count">${page.documents.length}</span> of ${page.total} document${page.total === 1 ? '' : 's'}</p>
<table class="table">
  <thead><tr><th class="select-cell" aria-label="Select"></th>${sortHeader(html`${sortLink('Document', 'name', query)} <span class="muted small">· ${sortLink('size', 'size', query)}</span>`, ['name', 'size'], query)}<th>Collections</th>${sortHeader(sortLink('Status', 'status', query), ['status'], query)}<th class="num">Pages</th><th class="num">Chunks</th>${sortHeader(sortLink('Uploaded', 'added', query), ['added'], query)}<th>Problem</th><th aria-label="Actions"></th></tr></thead>
  <tbody id="document-rows">${documentRows(page.documents, names)}</tbody>
</table>
${page.next
  ? html`<a id="more-documents" class="button secondary more-documents" href="${withQuery('/documents', new URLSearchParams([...search, ['cursor', page.next]]))}" data-next="${page.next}">Load more</a>`
  : ''}`;
  // No polling: progress arrives over /api/documents/events (static/document-live.js), for the rows shown.
  return html`<div id="document-list" hx-get="${withQuery('/documents/list', search)}" hx-trigger="documents-changed from:body" hx-swap="outerHTML"
  data-query="${search.toString()}" data-newest-first="${String(newestFirst(query))}" data-busy="${busy}">
<input type="hidden" name="sort" value="${query.sort}" form="document-filters"><input type="hidden" name="order" value="${query.order}" form="document-filters">
${content}
</div>`;
}
