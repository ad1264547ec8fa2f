// Documents page, the rows of the library (for ./document-list.js, ./document-live.js and
// ./document-bulk.js): finding the rows shown, the "Showing N of T" count, a row updated in place from
// a status event (badge, progress bar and label, pages, chunks, problem), a finished row fetched
// again from the server (GET /documents/:id/row, escaped there), and the selection's count and
// buttons. Text is set with textContent only.

export const BUSY = new Set(['queued', 'processing']);

export function reloadList() {
  document.body.dispatchEvent(new CustomEvent('documents-changed', { bubbles: true }));
}

const $ = (id) => document.getElementById(id);
export const shownRows = () => Array.from(document.querySelectorAll('#document-list tr[data-id]'));

function progressLabel(d) {
  const unit = d.stage === 'parsing' || d.stage === 'recognising' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}

export function findRow(id) {
  return shownRows().find((tr) => tr.getAttribute('data-id') === id);
}

/** "Showing N of T": N is the rows on the page, T moves with the rows this page saw come and go. */
export function updateCounts(totalDelta = 0) {
  const count = $('document-count');
  if (!count) return;
  const total = Math.max(0, Number(count.dataset.total ?? 0) + totalDelta);
  count.dataset.total = String(total);
  count.textContent = `Showing ${shownRows().length} of ${total} document${total === 1 ? '' : 's'}`;
}

/** Parses server-rendered rows (escaped by the server) and lets htmx wire their delete buttons. */
export function parseRows(text) {
  const t = document.createElement('template');
  t.innerHTML = text;
  return Array.from(t.content.querySelectorAll('tr[data-id]'));
}
export const adopt = (tr) => window.htmx?.process(tr);

export async function fetchRow(id) {
  const res = await fetch(`/documents/${encodeURIComponent(id)}/row`).catch(() => undefined);
  if (res?.status === 404) return null;
  return res?.ok ? (parseRows(await res.text())[0] ?? null) : undefined;
}

/** The server's rendering of a row whose ingest finished (its final counts and delete button). */
export async function replaceRow(id) {
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

export function updateRow(tr, d) {
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

export function updateSelection() {
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
