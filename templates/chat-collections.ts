/**
 * The Ask page's collection chooser: one checkbox per collection, the chat's choice checked (none:
 * all), a line saying what the chat asks over, and, for a chat whose chosen collection was deleted
 * since, a note naming it (the chat keeps its history; new questions ask over what is checked).
 * /static/ask.js sends the checked ids as `collections` and keeps the line up to date.
 */
import type { ChatCollection } from '../src/chats/chat-store.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';

/** The chat's chosen collections that no longer exist. */
export function goneCollections(all: readonly CollectionView[], chosen: readonly ChatCollection[]): ChatCollection[] {
  const live = new Set(all.map((c) => c.id));
  return chosen.filter((c) => !live.has(c.id));
}

function goneNote(gone: ChatCollection[]): SafeHtml | string {
  if (gone.length === 0) return '';
  const names = gone.map((c) => `"${c.name}"`).join(', ');
  const what = gone.length === 1 ? `The collection ${names} this chat asked over was deleted` : `The collections ${names} this chat asked over were deleted`;
  return html`<p class="alert alert-error collections-gone" role="status">${what}. Its earlier answers stay; new questions ask over the collections checked here (none checked: all).</p>`;
}

export function collectionChooser(all: readonly CollectionView[], chosen: readonly ChatCollection[]): SafeHtml {
  const checked = new Set(chosen.map((c) => c.id));
  // In the chat's order, under their current names (a rename since shows the new one).
  const names = new Map(all.map((c) => [c.id, c.name]));
  const live = chosen.flatMap((c) => names.get(c.id) ?? []);
  return html`<fieldset class="collection-chooser">
  <legend>Ask over: <span id="collections-summary">${live.length === 0 ? 'all collections' : live.join(', ')}</span></legend>
  ${goneNote(goneCollections(all, chosen))}
  <div class="actions">${all.map(
    (c) => html`<label class="small"><input type="checkbox" name="collections" value="${c.id}" data-name="${c.name}"${checked.has(c.id) ? html` checked` : ''}> ${c.name}</label>`,
  )}</div>
  <small class="muted">Check one or several; none checked asks over all of them.</small>
</fieldset>`;
}
