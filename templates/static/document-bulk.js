// Documents page, the bulk actions (for ./document-list.js): Delete (after a confirmation naming
// how many) and Move post the selected ids to /api/documents/bulk-delete and /bulk-move (at most
// 1000 ids a request) and say per document what was refused; the line saying what they did.
import { findRow, shownRows, updateRow, updateSelection } from './document-rows.js';

/** Ids per bulk request (the server refuses more). */
const BULK_MAX = 1000;

const $ = (id) => document.getElementById(id);

const selectedIds = () => shownRows().filter((tr) => tr.querySelector('.row-select')?.checked).map((tr) => tr.getAttribute('data-id'));

export function showResult(text, failed = false) {
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

export async function bulkDelete() {
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

export async function bulkMove() {
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
