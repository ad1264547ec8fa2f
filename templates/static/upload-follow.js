// Follows uploaded documents through ingestion for the Documents page's upload rows
// (upload-drop.js), by the ids the upload replies name, over GET /api/documents/events while any
// upload is in flight or any document is watched (the page's list has its own stream,
// documents.js); if the server refuses the stream (too many open), it polls each watched document
// every 2 s instead. A watched document is first read with GET /api/documents/:id, and the view
// with the newer `updatedAt` always wins, so an event that came before the reply or a snapshot
// older than the upload cannot show a stale status.

const POLL_MS = 2000;

export function documentFollower() {
  const watchers = new Map(); // id -> Set of callbacks
  const latest = new Map(); // id -> newest view seen
  const synced = new Set(); // ids read once since they were watched
  let holds = 0;
  let source;
  let poll;

  const deliver = (id) => {
    const d = latest.get(id);
    if (d && synced.has(id)) for (const cb of watchers.get(id) ?? []) cb(d);
  };
  const merge = (d) => {
    const old = latest.get(d.id);
    if (old && (old.updatedAt ?? 0) > (d.updatedAt ?? 0)) return;
    latest.set(d.id, d);
    deliver(d.id);
  };
  const sync = async (id) => {
    const res = await fetch(`/api/documents/${encodeURIComponent(id)}`, { headers: { Accept: 'application/json' } }).catch(() => null);
    if (res?.ok) merge(await res.json());
    synced.add(id);
    deliver(id);
  };
  const open = () => {
    if (source || poll || typeof window.EventSource === 'undefined') return;
    source = new window.EventSource('/api/documents/events');
    source.addEventListener('snapshot', (e) => JSON.parse(e.data).documents.forEach(merge));
    source.addEventListener('document', (e) => merge(JSON.parse(e.data)));
    source.addEventListener('error', () => {
      if (source?.readyState !== window.EventSource.CLOSED) return; // reconnecting by itself
      source = undefined;
      poll = setInterval(() => watchers.forEach((_, id) => void sync(id)), POLL_MS);
    });
  };
  const closeIfIdle = () => {
    if (holds > 0 || watchers.size > 0) return;
    source?.close();
    source = undefined;
    clearInterval(poll);
    poll = undefined;
    latest.clear();
    synced.clear();
  };

  return {
    /** Before an upload is sent: the stream is open from then on, so no change after it is missed. */
    hold() {
      holds++;
      open();
    },
    /** After the upload's reply (watch first to keep following its document). */
    release() {
      holds = Math.max(0, holds - 1);
      closeIfIdle();
    },
    /** Calls onChange with the document's view now and on every change; returns the function that stops it. */
    watch(id, onChange) {
      if (!watchers.has(id)) watchers.set(id, new Set());
      watchers.get(id).add(onChange);
      open();
      void sync(id);
      return () => {
        watchers.get(id)?.delete(onChange);
        if (watchers.get(id)?.size === 0) {
          watchers.delete(id);
          synced.delete(id);
        }
        closeIfIdle();
      };
    },
  };
}
