// Documents page, the library (an ES module, so its names stay its own).
//
// The library shows one page (server-rendered); "Load more" appends the next page's rows
// (GET /documents/rows, its cursor in `Docent-Next`, as the chat list's "Show more" does). Filters
// and sorting are htmx swaps of the list fragment. Rows have checkboxes and "Select all shown";
// Delete (after a confirmation naming how many) and Move post the selected ids to
// /api/documents/bulk-delete and /bulk-move (at most 1000 ids a request) and say per document what
// was refused.
//
// Live status touches only the rows shown. The event stream's snapshot covers the first rows the
// page rendered (`?ids=`, not the whole library); each `document` event updates its row in place
// (status badge, progress bar and label, pages, chunks, problem) or removes it (status `deleted`);
// events about rows not shown are ignored, except a new upload, which is put at the top when the
// list shows the newest first (fetched again if it changed while being fetched). A row that finished is fetched again from the server
// (GET /documents/:id/row). A reconnection reloads the list (events may have been missed).
// Text is set with textContent only.

const BUSY = new Set(['queued', 'processing']);
/** Ids per bulk request (the server refuses more). */
const BULK_MAX = 1000;
/** Ids the event stream's snapshot may name. */
const SNAPSHOT_IDS = 100;

function reloadList() {
  document.body.dispatchEvent(new CustomEvent('documents-changed', { bubbles: true }));
}

const $ = (id) => document.getElementById(id);
const shownRows = () => Array.from(document.querySelectorAll('#document-list tr[data-id]'));

function progressLabel(d) {
  const unit = d.stage === 'parsing' || d.stage === 'recognising' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}

function findRow(id) {
  return shownRows().find((tr) => tr.getAttribute('data-id') === id);
}

/** "Showing N of T": N is the rows on the page, T moves with the rows this page saw come and go. */
function updateCounts(totalDelta = 0) {
  const count = $('document-count');
  if (!count) return;
  const total = Math.max(0, Number(count.dataset.total ?? 0) + totalDelta);
  count.dataset.total = String(total);
  count.textContent = `Showing ${shownRows().length} of ${total} document${total === 1 ? '' : 's'}`;
}

/** Parses server-rendered rows (escaped by the server) and lets htmx wire their delete buttons. */
function parseRows(text) {
  const t = document.createElement('template');
  t.innerHTML = text;
  return Array.from(t.content.querySelectorAll('tr[data-id]'));
}
const adopt = (tr) => window.htmx?.process(tr);

async function fetchRow(id) {
  const res = await fetch(`/documents/${encodeURIComponent(id)}/row`).catch(() => undefined);
  if (res?.status === 404) return null;
  return res?.ok ? (parseRows(await res.text())[0] ?? null) : undefined;
}

/** The server's rendering of a row whose ingest finished (its final counts and delete button). */
async function replaceRow(id) {
  const fresh = await fetchRow(id);
  const tr = findRow(id);
  if (!tr || fresh === undefined) return;
  if (fresh === null) {
    tr.remove();
    updateCounts(-1);
  } else {
    fresh.querySelector('.row-select').checked = tr.querySelector('.row-select')?.checked ?? false;
    tr.replaceWith(fresh);
    adopt(fresh);
  }
  updateSelection();
}

/**
 * A new upload goes to the top of a list of the newest documents, unfiltered; other lists do not show it.
 * Events about it that come while its row is being fetched find no row; when one did (`missed`) and
 * the fetched row is still busy, the row is fetched again, so a small document that became ready
 * during the fetch is not left showing "processing" (no later event would come to correct it).
 */
const arriving = new Set();
const missed = new Set();
const REFETCHES = 10;
async function insertNew(id) {
  const list = $('document-list');
  if (list?.dataset.newestFirst !== 'true' || arriving.has(id)) return;
  if (!$('document-rows')) return reloadList(); // the empty library: the fragment brings the table
  arriving.add(id);
  let fresh;
  for (let i = 0; i < REFETCHES; i++) {
    missed.delete(id);
    fresh = await fetchRow(id);
    if (!fresh || !missed.has(id) || !BUSY.has(fresh.getAttribute('data-status') ?? '')) break;
  }
  arriving.delete(id);
  missed.delete(id);
  if (!fresh || findRow(id) || !$('document-rows')) return;
  $('document-rows').prepend(fresh);
  adopt(fresh);
  updateCounts(1);
}

function updateRow(tr, d) {
  const wasBusy = BUSY.has(tr.getAttribute('data-status') ?? '');
  tr.setAttribute('data-status', d.status);
  const badge = tr.querySelector('.badge');
  if (badge) {
    badge.className = `badge badge-${d.status}`;
    badge.textContent = d.status;
  }
  const cell = tr.querySelector('.status-cell');
  let line = tr.querySelector('.progress-line');
  if (BUSY.has(d.status) && cell) {
    if (!line) {
      line = document.createElement('div');
      line.className = 'progress-line';
      const bar = document.createElement('progress');
      bar.max = 100;
      const label = document.createElement('span');
      label.className = 'muted small progress-label';
      line.append(bar, ' ', label);
      cell.append(line);
    }
    const pct = Math.round(d.progress * 100);
    line.querySelector('progress').value = pct;
    line.querySelector('progress').textContent = `${pct}%`;
    line.querySelector('.progress-label').textContent = progressLabel(d);
  } else if (line) {
    line.remove();
  }
  if (d.status === 'deleting') tr.querySelector('.delete-button')?.remove();
  const pages = tr.querySelector('.pages-cell');
  if (pages) pages.textContent = d.pages ?? '–';
  const chunks = tr.querySelector('.chunks-cell');
  if (chunks) chunks.textContent = d.chunks ?? '–';
  const error = tr.querySelector('.error-cell');
  if (error) error.textContent = d.error ?? '';
  // The finished row (and its delete button) comes from the server.
  if (wasBusy && !BUSY.has(d.status) && d.status !== 'deleting') void replaceRow(d.id);
}

function follow() {
  if (!$('document-list') || typeof window.EventSource === 'undefined') return;
  const ids = shownRows().slice(0, SNAPSHOT_IDS).map((tr) => tr.getAttribute('data-id'));
  const query = ids.length > 0 ? `?ids=${ids.map(encodeURIComponent).join(',')}` : '';
  const source = new window.EventSource(`/api/documents/events${query}`);
  let connected = false;
  source.addEventListener('snapshot', (event) => {
    if (connected) return reloadList(); // a reconnection: changes may have been missed meanwhile
    connected = true;
    const docs = JSON.parse(event.data).documents ?? [];
    const present = new Set(docs.map((d) => d.id));
    for (const d of docs) {
      const tr = findRow(d.id);
      if (tr) updateRow(tr, d);
    }
    // Named but missing: deleted between the page's rendering and the subscription.
    for (const id of ids) {
      if (present.has(id)) continue;
      findRow(id)?.remove();
      updateCounts(-1);
    }
  });
  source.addEventListener('document', (event) => {
    const d = JSON.parse(event.data);
    const tr = findRow(d.id);
    if (!tr && arriving.has(d.id)) missed.add(d.id);
    if (d.status === 'deleted') {
      if (!tr) return;
      tr.remove();
      updateCounts(-1);
      updateSelection();
      return;
    }
    if (tr) updateRow(tr, d);
    else if (d.status === 'queued' && d.stage === 'stored') void insertNew(d.id);
  });
}

async function loadMore(link) {
  const next = link.dataset.next;
  const list = $('document-list');
  if (!next || !list || link.getAttribute('aria-busy') === 'true') return;
  link.setAttribute('aria-busy', 'true');
  link.textContent = 'Loading…';
  const query = new URLSearchParams(list.dataset.query ?? '');
  query.set('cursor', next);
  const res = await fetch(`/documents/rows?${query}`).catch(() => undefined);
  link.removeAttribute('aria-busy');
  link.textContent = 'Load more';
  if (!res?.ok) {
    showResult('The next page could not be loaded; try again.', true);
    return;
  }
  const rows = $('document-rows');
  for (const tr of parseRows(await res.text())) {
    if (findRow(tr.getAttribute('data-id'))) continue; // already shown (arrived live)
    rows.append(tr);
    adopt(tr);
  }
  const after = res.headers.get('Docent-Next');
  if (after) {
    link.dataset.next = after;
    const url = new URL(link.href, window.location.href);
    url.searchParams.set('cursor', after);
    link.href = url.pathname + url.search;
  } else link.remove();
  updateCounts();
  updateSelection();
}

const selectedIds = () => shownRows().filter((tr) => tr.querySelector('.row-select')?.checked).map((tr) => tr.getAttribute('data-id'));

function updateSelection() {
  const boxes = Array.from(document.querySelectorAll('#document-list .row-select'));
  const n = boxes.filter((b) => b.checked).length;
  const count = $('selected-count');
  if (count) count.textContent = `${n} selected`;
  for (const id of ['bulk-delete', 'bulk-move']) if ($(id)) $(id).disabled = n === 0;
  const all = $('select-all');
  if (all) {
    all.checked = n > 0 && n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }
}

function showResult(text, failed = false) {
  const out = $('bulk-result');
  if (!out) return;
  out.textContent = text;
  out.className = failed ? 'small error-text' : 'small';
}

/** Posts the ids in batches of BULK_MAX; returns every per-id result, or the first refusal's message. */
async function postBulk(path, ids, extra) {
  const results = [];
  for (let i = 0; i < ids.length; i += BULK_MAX) {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ ids: ids.slice(i, i + BULK_MAX), ...extra }),
    }).catch(() => undefined);
    const data = res ? await res.json().catch(() => ({})) : {};
    if (!res?.ok) return { error: data.error ?? (res ? `refused (HTTP ${res.status})` : 'the request did not reach the server'), results };
    results.push(...(data.results ?? []));
  }
  return { results };
}

/** "Deleting 3 documents. 1 was not: <reason>" */
function summarise(verb, { results, error }) {
  const ok = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => !r.ok);
  const parts = [`${verb} ${ok} document${ok === 1 ? '' : 's'}.`];
  if (failed.length > 0) parts.push(`${failed.length} not: ${failed.slice(0, 3).map((r) => r.error).join(' ')}${failed.length > 3 ? ' …' : ''}`);
  if (error) parts.push(error);
  showResult(parts.join(' '), failed.length > 0 || Boolean(error));
}

async function bulkDelete() {
  const ids = selectedIds();
  if (ids.length === 0) return;
  const what = ids.length === 1 ? '1 document' : `${ids.length} documents`;
  if (!window.confirm(`Delete ${what}? Their passages will no longer be used in answers.`)) return;
  const reply = await postBulk('/api/documents/bulk-delete', ids, {});
  for (const r of reply.results) {
    const tr = r.ok ? findRow(r.id) : undefined;
    if (!tr) continue;
    tr.querySelector('.row-select').checked = false;
    updateRow(tr, { status: r.status, stage: r.status, progress: 1, pages: tr.querySelector('.pages-cell')?.textContent, chunks: tr.querySelector('.chunks-cell')?.textContent, error: null });
  }
  summarise('Deleting', reply);
  updateSelection();
}

async function bulkMove() {
  const ids = selectedIds();
  const to = $('bulk-move-to');
  if (ids.length === 0 || !to?.value) return;
  // With a collection filter, documents in several collections move out of the one shown.
  const from = new URLSearchParams($('document-list')?.dataset.query ?? '').get('collection');
  const reply = await postBulk('/api/documents/bulk-move', ids, { collection: to.value, ...(from ? { from } : {}) });
  for (const r of reply.results) {
    const cell = r.ok ? findRow(r.id)?.querySelector('.collections-cell') : undefined;
    if (cell) cell.textContent = r.collections.map((c) => c.name).join(', ');
  }
  summarise('Moved', reply);
}

document.addEventListener('change', (event) => {
  const box = event.target;
  if (!(box instanceof window.HTMLInputElement)) return;
  if (box.id === 'select-all') {
    for (const b of document.querySelectorAll('#document-list .row-select')) b.checked = box.checked;
  }
  if (box.id === 'select-all' || box.classList.contains('row-select')) updateSelection();
});

document.addEventListener('click', (event) => {
  const target = event.target instanceof window.Element ? event.target : null;
  const more = target?.closest('#more-documents');
  if (more) {
    event.preventDefault();
    void loadMore(more);
  } else if (target?.closest('#bulk-delete')) void bulkDelete();
  else if (target?.closest('#bulk-move')) void bulkMove();
});

follow();
