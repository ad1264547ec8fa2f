// Documents page, the library (an ES module, so its names stay its own).
//
// The library shows one page (server-rendered); "Load more" appends the next page's rows
// (GET /documents/rows, its cursor in `Docent-Next`, as the chat list's "Show more" does). Filters
// and sorting are htmx swaps of the list fragment. Rows have checkboxes and "Select all shown";
// Delete and Move act on the selected rows (./document-bulk.js). Live status follows the event
// stream for the rows shown (./document-live.js); the rows themselves: ./document-rows.js.
// Text is set with textContent only.
import { bulkDelete, bulkMove, showResult } from './document-bulk.js';
import { follow } from './document-live.js';
import { adopt, findRow, parseRows, updateCounts, updateSelection } from './document-rows.js';

const $ = (id) => document.getElementById(id);

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
