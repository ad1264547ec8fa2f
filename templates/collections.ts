/**
 * The Collections page: the create form and the list of collections, each with its document count,
 * a rename/describe form, a re-index button (rebuilds that collection's index alone) and a delete
 * button whose confirmation names how many documents go with it. Every form posts with htmx (urlencoded, /collections routes in
 * src/web/routes/collection-pages.ts) into one result area; errors come back as the error alert
 * fragment, and a change reloads the list fragment (`collections-changed`). Names and descriptions
 * are user text: they are escaped like everything else.
 */
import { GENERAL_COLLECTION_ID } from '../src/contracts/collection.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

/** What deleting a collection does to its documents. */
export interface DeletionCount {
  /** Documents in no other collection: deleted with it. */
  deleted: number;
  /** Documents also in another collection: they stay there. */
  kept: number;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The text of the delete confirmation: the collection's name and how many documents go with it. */
export function deleteConfirmation(c: CollectionView, count: DeletionCount): string {
  const kept = count.kept > 0 ? ` ${plural(count.kept, 'document')} in other collections too will stay there.` : '';
  return `Delete the collection "${c.name}"? ${plural(count.deleted, 'document')} will be deleted with it.${kept}`;
}

function collectionRow(c: CollectionView, count: DeletionCount): SafeHtml {
  const general = c.id === GENERAL_COLLECTION_ID;
  return html`<tr data-id="${c.id}">
  <td>
    <form class="collection-form" hx-patch="/collections/${c.id}" hx-target="#collection-result" hx-swap="innerHTML">
      <input name="name" value="${c.name}" required maxlength="80" aria-label="Name of ${c.name}">
      <input name="description" value="${c.description}" maxlength="1000" placeholder="Description" aria-label="Description of ${c.name}">
      <button type="submit" class="secondary">Save</button>
    </form>
    ${c.description ? html`<div class="muted small collection-description">${c.description}</div>` : ''}
  </td>
  <td class="num documents-cell">${c.documents}</td>
  <td><button type="button" class="secondary reindex-button" hx-post="/collections/${c.id}/reindex" hx-target="#collection-result" hx-swap="innerHTML"
      hx-confirm="${`Re-index the collection "${c.name}"? Its documents are embedded again; other collections are not touched.`}" aria-label="Re-index ${c.name}">Re-index</button>
  ${general
    ? html`<span class="muted small">Uploads that name no collection go here; it cannot be deleted.</span>`
    : html`<button type="button" class="delete-button" hx-delete="/collections/${c.id}" hx-target="#collection-result" hx-swap="innerHTML"
      hx-confirm="${deleteConfirmation(c, count)}" aria-label="Delete ${c.name}">Delete</button>`}</td>
</tr>`;
}

/** The list fragment (also served alone at GET /collections/list); reloads on `collections-changed`. */
export function collectionList(collections: CollectionView[], counts: ReadonlyMap<string, DeletionCount>): SafeHtml {
  const rows = collections.map((c) => collectionRow(c, counts.get(c.id) ?? { deleted: 0, kept: 0 }));
  return html`<div id="collection-list" hx-get="/collections/list" hx-trigger="collections-changed from:body" hx-swap="outerHTML">
<table class="table">
  <thead><tr><th>Collection</th><th class="num">Documents</th><th aria-label="Actions"></th></tr></thead>
  <tbody>${rows}</tbody>
</table>
</div>`;
}

/** What a successful create, save or delete answers into the result area. */
export function collectionResult(message: string): SafeHtml {
  return html`<div class="alert alert-ok" role="status">${message}</div>`;
}

export function collectionsPage(collections: CollectionView[], counts: ReadonlyMap<string, DeletionCount>): SafeHtml {
  const body = html`
<h1>Collections</h1>
<p class="muted">Each collection is a knowledge base of its own: upload into one on the <a href="/documents">Documents</a> page, and choose which ones a chat asks over on the <a href="/">Ask</a> page.</p>
<form id="create-collection" class="card" hx-post="/collections" hx-target="#collection-result" hx-swap="innerHTML">
  <label for="collection-name">New collection</label>
  <div class="actions">
    <input id="collection-name" name="name" required maxlength="80" placeholder="Name">
    <input id="collection-description" name="description" maxlength="1000" placeholder="Description (optional)" aria-label="Description">
    <button type="submit">Create</button>
  </div>
</form>
<div id="collection-result" aria-live="polite"></div>
<section class="card">
  <h2>All collections</h2>
  ${collectionList(collections, counts)}
</section>`;
  return layout({ title: 'Collections', page: 'collections', body });
}
