// Documents page: live status over Server-Sent Events (GET /api/documents/events). Uploading is
// upload-drop.js's (the drop zone, the pickers and each file's progress).
//
// Each `document` event updates its row in place (status badge, progress bar and label, pages,
// chunks, problem) or removes it (status `deleted`). A document the page does not show yet, a
// final status (the server renders the finished row) and every (re)connection (`snapshot`) reload
// the list fragment through htmx's `documents-changed` trigger. Text is set with textContent only.

const BUSY = new Set(['queued', 'processing']);

function reloadList() {
  document.body.dispatchEvent(new CustomEvent('documents-changed', { bubbles: true }));
}

function progressLabel(d) {
  const unit = d.stage === 'parsing' ? 'page' : d.stage === 'embedding' ? 'chunk' : '';
  const count = unit && typeof d.done === 'number' && typeof d.total === 'number' ? ` ${unit} ${d.done}/${d.total}` : '';
  return `${d.stage}${count} · ${Math.round(d.progress * 100)}%`;
}

function findRow(id) {
  return Array.from(document.querySelectorAll('#document-list tr[data-id]')).find((tr) => tr.getAttribute('data-id') === id);
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
  const pages = tr.querySelector('.pages-cell');
  if (pages) pages.textContent = d.pages ?? '–';
  const chunks = tr.querySelector('.chunks-cell');
  if (chunks) chunks.textContent = d.chunks ?? '–';
  const error = tr.querySelector('.error-cell');
  if (error) error.textContent = d.error ?? '';
  // The finished row (and its delete button) comes from the server.
  if (wasBusy && !BUSY.has(d.status) && d.status !== 'deleting') reloadList();
}

function follow() {
  if (!document.getElementById('document-list') || typeof window.EventSource === 'undefined') return;
  const source = new window.EventSource('/api/documents/events');
  source.addEventListener('snapshot', () => reloadList());
  source.addEventListener('document', (event) => {
    const d = JSON.parse(event.data);
    const tr = findRow(d.id);
    if (d.status === 'deleted') {
      if (tr) tr.remove();
      if (!document.querySelector('#document-list tr[data-id]')) reloadList();
      return;
    }
    if (!tr) reloadList();
    else updateRow(tr, d);
  });
}

follow();
