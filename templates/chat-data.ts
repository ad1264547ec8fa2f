/**
 * The "Your chats" section of the Settings page: download every chat of the signed-in user (Markdown
 * or JSON, with the sources of every answer) and delete them all. Deleting asks first (hx-confirm)
 * and the server also wants the form's `confirm` field, so a stray request deletes nothing.
 */
import { html, type SafeHtml } from '../src/web/html.ts';

export function chatDataSection(): SafeHtml {
  return html`<section class="card" id="chat-data"><h2>Your chats</h2>
<p class="muted small">Your chats are private: no one else, admins included, can open them. Download them with the
  sources of every answer (document, page or section, and the passage), or delete them all.</p>
<div class="actions">
  <a class="button" href="/api/chats/export?format=md" download>Download as Markdown</a>
  <a class="button" href="/api/chats/export?format=json" download>Download as JSON</a>
</div>
<form class="chat-delete-all actions" hx-post="/settings/chats/delete" hx-target="#chat-delete-result" hx-swap="innerHTML"
  hx-confirm="Delete ALL your chats and their answers? This cannot be undone; download them first if you want to keep them.">
  <input type="hidden" name="confirm" value="delete-all">
  <button type="submit" class="delete-button">Delete all my chats</button>
</form>
<p id="chat-delete-result" class="small" aria-live="polite"></p>
</section>`;
}

/** What the delete-all form shows afterwards. */
export function chatsDeleted(count: number): SafeHtml {
  return html`${count === 0 ? 'You had no chats to delete.' : `Deleted ${count} chat${count === 1 ? '' : 's'}.`}`;
}
