/**
 * The nav's account part: who is signed in (a link to Settings) and a Sign out button; empty when
 * sign-in is off. The user comes from the request being rendered (src/web/auth/current-user.ts),
 * so the page templates need not pass it along.
 */
import { signedInUser } from '../src/web/auth/current-user.ts';
import { html, type SafeHtml } from '../src/web/html.ts';

/** The nav's account part: empty unless someone is signed in. */
export function accountNav(): SafeHtml | '' {
  const user = signedInUser();
  if (!user) return '';
  return html`<div class="account-nav"><a href="/settings" class="account-name" title="Settings">${user.name}</a>
  <button type="button" class="secondary signout" hx-post="/logout" hx-swap="none">Sign out</button></div>`;
}
