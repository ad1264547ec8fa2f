// Documents page: uploads one file per request, live status over Server-Sent Events
// (GET /api/documents/events).
//
// Uploading: MAX_UPLOAD_MB bounds a whole request, so several large files chosen together would be
// refused as one; the page sends each file on its own (POST /api/documents, in turn) and lists each
// file's result (queued, already uploaded, or the reason it was refused) as it comes back. Each goes
// into the collection chosen in the picker (`?collection=<id>`).
//
// Each `document` event updates its row in place (status badge, progress bar and label, pages,
// chunks, problem) or removes it (status `deleted`). A document the page does not show yet, a
// final status (the server renders the finished row) and every (re)connection (`snapshot`) reload
// the list fragment through htmx's `documents-changed` trigger. Text is set with textContent only.

async function uploadOne(file, collection) {
  const body = new FormData();
  body.append('file', file, file.name);
  const query = collection ? `?collection=${encodeURIComponent(collection)}` : '';
  try {
    const res = await fetch(`/api/documents${query}`, { method: 'POST', body });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) return { ok: false, text: data.error ?? `refused (HTTP ${res.status})` };
    const doc = data.documents?.[0];
    return { ok: true, text: doc?.duplicate ? 'already uploaded, nothing new to ingest' : (doc?.status ?? 'queued') };
  } catch {
    return { ok: false, text: 'the upload did not reach the server; check the connection and try again' };
  }
}

// Capture phase on window: runs before htmx's own submit handling of the form.
window.addEventListener(
  'submit',
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== 'upload-form') return;
    const input = form.querySelector('input[type=file]');
    const files = input?.files ? Array.from(input.files) : [];
    if (files.length === 0) return; // htmx posts it and the server says what is missing
    event.preventDefault();
    event.stopImmediatePropagation();
    // The same box the server's upload fragment uses: ok while every file went through.
    const box = document.createElement('div');
    box.className = 'alert alert-ok';
    box.setAttribute('role', 'status');
    const title = document.createElement('strong');
    title.textContent = 'Uploading:';
    const list = document.createElement('ul');
    box.append(title, list);
    document.getElementById('upload-result')?.replaceChildren(box);
    const button = form.querySelector('button[type=submit], button:not([type])');
    if (button) button.disabled = true;
    // The collection picker: every file of this submit goes into the collection chosen now.
    const picker = form.querySelector('select[name=collection]');
    const collection = picker?.value ?? '';
    (async () => {
      let failed = 0;
      for (const file of files) {
        const li = document.createElement('li');
        li.textContent = `${file.name} — uploading…`;
        list.append(li);
        const r = await uploadOne(file, collection);
        li.textContent = `${file.name} — ${r.text}`;
        if (!r.ok) {
          failed++;
          box.className = 'alert alert-error';
        }
        reloadList();
      }
      title.textContent = failed === 0 ? 'Uploaded:' : `${failed} of ${files.length} not uploaded:`;
      if (button) button.disabled = false;
      if (failed === 0) {
        form.reset();
        if (picker) picker.value = collection; // the next upload goes to the same collection
      }
    })();
  },
  true,
);

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
