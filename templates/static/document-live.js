// Documents page, live status (for ./document-list.js). It touches only the rows shown. The event
// stream's snapshot covers the first rows the page rendered (`?ids=`, not the whole library); each
// `document` event updates its row in place (./document-rows.js) or removes it (status `deleted`);
// events about rows not shown are ignored, except a new upload, which is put at the top when the
// list shows the newest first (fetched again if it changed while being fetched). A row that
// finished is fetched again from the server (GET /documents/:id/row). A reconnection reloads the
// list (events may have been missed).
import { adopt, BUSY, fetchRow, findRow, reloadList, replaceRow, shownRows, updateCounts, updateRow, updateSelection } from './document-rows.js';

/** Ids the event stream's snapshot may name. */
const SNAPSHOT_IDS = 100;

const $ = (id) => document.getElementById(id);

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

/**
 * A safety net: a busy row that no event has touched for STALE_MS is fetched again (a few per
 * tick), so an event lost in a race cannot leave a finished document showing "processing" until
 * the page is reloaded. Rows that wait in a long queue cost one small request each per STALE_MS.
 */
const STALE_MS = 15_000;
const STALE_PER_TICK = 5;
const touched = new Map();
function refreshStale() {
  const now = Date.now();
  let fetched = 0;
  for (const tr of shownRows()) {
    const id = tr.getAttribute('data-id');
    if (!id || arriving.has(id) || !BUSY.has(tr.getAttribute('data-status') ?? '')) continue;
    if (!touched.has(id)) touched.set(id, now);
    if (now - touched.get(id) < STALE_MS) continue;
    touched.set(id, now);
    void replaceRow(id);
    if (++fetched >= STALE_PER_TICK) break;
  }
}

export function follow() {
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
  window.setInterval(refreshStale, STALE_MS / 3);
  source.addEventListener('document', (event) => {
    const d = JSON.parse(event.data);
    touched.set(d.id, Date.now());
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
