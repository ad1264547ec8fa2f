// Documents page, the upload form: uploads one file per request (the library and its live status
// are document-list.js).
//
// Uploading: MAX_UPLOAD_MB bounds a whole request, so several large files chosen together would be
// refused as one; the page sends each file on its own (POST /api/documents, in turn) and lists each
// file's result (queued, already uploaded, or the reason it was refused) as it comes back. Each goes
// into the collection chosen in the picker (`?collection=<id>`).
//
// The library (paging, live status of the rows shown, bulk actions) is document-list.js; after
// each upload the list fragment reloads through htmx's `documents-changed` trigger.

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

function reloadList() {
  document.body.dispatchEvent(new CustomEvent('documents-changed', { bubbles: true }));
}
