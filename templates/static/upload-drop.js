// Documents page uploads: the upload form is a drop zone for files and folders, and its pickers
// (files; a folder) send on Upload. Each file is checked first (upload-files.js: hidden files left
// out, unsupported types, the per-file limit and empty files listed as skipped with the reason),
// then sent in its own XMLHttpRequest (upload-send.js; fetch cannot report upload progress) to
// POST /api/documents?collection=<picker>, at most UPLOADS_AT_ONCE at a time.
//
// Each file has a row in the result box: a <progress> of the bytes sent (data-sent / data-total),
// then the ingestion stage of the document the reply names (upload-follow.js), until ready or
// failed with the server's message (duplicates: "already uploaded"). Text goes in with textContent
// only.
import { formatBytes, pickedFiles, rulesFrom, skipReason, stageLabel, takeDropped, walkDropped } from './upload-files.js';
import { documentFollower } from './upload-follow.js';
import { sendFile } from './upload-send.js';

/** Uploads in flight at once: enough to keep the connection busy, few enough to spare a small server. */
const UPLOADS_AT_ONCE = 2;
const FINAL = new Set(['skipped', 'duplicate', 'ready', 'failed', 'deleted']);

const form = document.getElementById('upload-form');
const waiting = [];
let active = 0;
let box;
const follower = documentFollower();

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function reloadList() {
  document.body.dispatchEvent(new CustomEvent('documents-changed', { bubbles: true }));
}

/** The result box of the current batch; a new one once everything in the last one is final. */
function currentBox() {
  if (box && box.items.some((i) => !FINAL.has(i.state))) return box;
  const root = el('div', 'alert alert-ok upload-box');
  const title = el('strong', 'upload-title');
  title.setAttribute('role', 'status');
  const note = el('p', 'muted small upload-hidden');
  note.hidden = true;
  const list = el('ul', 'upload-queue');
  list.setAttribute('aria-live', 'off'); // the title says how far it got; progress is not read out
  root.append(title, note, list);
  document.getElementById('upload-result')?.replaceChildren(root);
  box = { root, title, note, list, items: [], hidden: 0 };
  return box;
}

function refresh(b) {
  const count = (s) => b.items.filter((i) => i.state === s).length;
  const busy = b.items.filter((i) => !FINAL.has(i.state)).length;
  const failed = count('failed');
  b.root.className = `alert ${failed > 0 ? 'alert-error' : 'alert-ok'} upload-box`;
  const parts = [[count('ready'), 'ready'], [count('duplicate'), 'already uploaded'], [count('skipped'), 'skipped'], [failed, 'failed'], [count('deleted'), 'deleted']]
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`);
  b.title.textContent = busy > 0 ? `Uploading: ${b.items.length - busy} of ${b.items.length} done` : parts.length > 0 ? `Done: ${parts.join(', ')}` : 'Nothing to upload';
  b.note.hidden = b.hidden === 0;
  b.note.textContent = `Left out ${b.hidden} hidden ${b.hidden === 1 ? 'file or folder' : 'files or folders'} (names starting with a dot).`;
}

function setState(item, state, text) {
  item.state = state;
  item.li.setAttribute('data-state', state);
  item.status.textContent = text;
  if (state === 'skipped' || state === 'duplicate') item.bar.remove();
  refresh(item.box);
}

function addItem(b, path) {
  const li = el('li', 'upload-item');
  const bar = el('progress');
  bar.max = 1;
  bar.value = 0;
  const status = el('span', 'muted small upload-status');
  li.append(el('span', 'upload-name', path), ' ', bar, ' ', status);
  b.list.append(li);
  const item = { box: b, li, bar, status, state: '', path, file: undefined, collection: '' };
  b.items.push(item);
  return item;
}

/** Files from a drop or the pickers: skipped ones listed with the reason, the others queued. */
function enqueue(files, hidden) {
  const b = currentBox();
  b.hidden += hidden;
  const collection = form.querySelector('select[name=collection]')?.value ?? '';
  const rules = rulesFrom(form);
  for (const f of files) {
    const item = addItem(b, f.path);
    const reason = f.error ?? skipReason(f.file, rules);
    if (reason) {
      setState(item, 'skipped', `skipped: ${reason}`);
      continue;
    }
    Object.assign(item, { file: f.file, collection });
    setState(item, 'waiting', 'waiting');
    waiting.push(item);
  }
  refresh(b);
  pump();
}

function pump() {
  while (active < UPLOADS_AT_ONCE && waiting.length > 0) {
    const item = waiting.shift();
    active++;
    upload(item)
      .catch((err) => setState(item, 'failed', `failed: ${err?.message ?? err}`))
      .finally(() => {
        active--;
        pump();
      });
  }
}

function showSent(item, loaded, total) {
  item.bar.max = total;
  item.bar.value = loaded;
  item.li.setAttribute('data-sent', String(loaded));
  item.li.setAttribute('data-total', String(total));
  const sent = Math.min(item.file.size, Math.round((loaded / Math.max(total, 1)) * item.file.size));
  if (item.state === 'uploading') item.status.textContent = `uploading ${formatBytes(sent)} of ${formatBytes(item.file.size)}`;
}

async function upload(item) {
  setState(item, 'uploading', `uploading 0 B of ${formatBytes(item.file.size)}`);
  follower.hold();
  try {
    const res = await sendFile(item.file, item.collection, (loaded, total) => showSent(item, loaded, total));
    const doc = res.body?.documents?.[0];
    if (res.status !== 202 || !doc) {
      setState(item, 'failed', `failed: ${res.error ?? res.body?.error ?? `refused (HTTP ${res.status})`}`);
      return;
    }
    item.li.setAttribute('data-document-id', doc.id);
    reloadList();
    if (doc.duplicate) {
      setState(item, 'duplicate', 'already uploaded, nothing new to ingest');
      return;
    }
    setState(item, 'queued', 'uploaded · queued');
    const stop = follower.watch(doc.id, (d) => {
      show(item, d);
      if (FINAL.has(item.state)) stop();
    });
  } finally {
    follower.release();
  }
}

function show(item, d) {
  if (FINAL.has(item.state)) return;
  if (d.status === 'processing') {
    item.bar.max = 1;
    item.bar.value = d.progress;
    setState(item, 'processing', stageLabel(d));
  } else if (d.status === 'ready') {
    item.bar.max = 1;
    item.bar.value = 1;
    const counts = [d.pages ? `${d.pages} pages` : '', d.chunks ? `${d.chunks} passages` : ''].filter(Boolean).join(', ');
    setState(item, 'ready', counts ? `ready · ${counts}` : 'ready');
  } else if (d.status === 'failed') setState(item, 'failed', `failed: ${d.error ?? 'the server gave no reason'}`);
  else if (d.status === 'deleted' || d.status === 'deleting') setState(item, 'deleted', 'deleted meanwhile');
  else setState(item, 'queued', d.stage && d.stage !== 'stored' ? `uploaded · queued (${d.stage})` : 'uploaded · queued');
}

const hasFiles = (e) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

function setUp() {
  const pickers = [form.querySelector('#file'), form.querySelector('#folder')].filter(Boolean);
  for (const hidden of form.querySelectorAll('.folder-picker, .drop-hint')) hidden.hidden = false;
  // Capture phase on window: runs before htmx's own submit handling of the form.
  window.addEventListener(
    'submit',
    (event) => {
      if (event.target !== form) return;
      const picked = pickers.map((p) => pickedFiles(p.files));
      const files = picked.flatMap((p) => p.files);
      const hidden = picked.reduce((n, p) => n + p.hidden, 0);
      if (files.length === 0 && hidden === 0) return; // htmx posts it and the server says what is missing
      event.preventDefault();
      event.stopImmediatePropagation();
      for (const p of pickers) p.value = '';
      enqueue(files, hidden);
    },
    true,
  );
  let depth = 0;
  form.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    form.classList.add('drag-over');
  });
  form.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
  });
  form.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) form.classList.remove('drag-over');
  });
  form.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.stopPropagation();
    depth = 0;
    form.classList.remove('drag-over');
    const dropped = takeDropped(e.dataTransfer); // now: the browser empties it after this event
    walkDropped(dropped).then(
      ({ files, hidden }) => enqueue(files, hidden),
      (err) => enqueue([{ path: 'the dropped items', error: `could not be read (${err?.message ?? err})` }], 0),
    );
  });
  // A file dropped beside the zone would make the browser open it in place of the page.
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'none';
  });
  window.addEventListener('drop', (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
}

if (form) setUp();
