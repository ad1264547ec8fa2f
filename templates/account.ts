/**
 * Account pages: the sign-in page, the Settings page (personal API tokens: made, shown once,
 * revoked); the nav's account part is account-nav.ts. Forms post with htmx (which adds the
 * page's request token, templates/static/csrf.js); errors come back as the error alert fragment.
 * No inline scripts (the Content-Security-Policy forbids them). User names and token labels are
 * user text: escaped like everything else.
 */
import type { ApiTokenView } from '../src/accounts/account-store.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';
import { chatDataSection } from './chat-data.ts';

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export interface LoginPageOptions {
  /** The provider's name when single sign-on is on: a "Sign in with <name>" button. */
  singleSignOn?: string | undefined;
  /** Why the last sign-in failed (a single sign-on that came back refused or expired). */
  error?: string | undefined;
  /** Self sign-up (SIGNUP): `open` links to /signup, `invite` says to ask for a link. */
  signUp?: 'off' | 'invite' | 'open' | undefined;
}

function noAccount(signUp: LoginPageOptions['signUp']): SafeHtml {
  if (signUp === 'open') return html`<p class="signup-link">No account? <a href="/signup">Create one</a>.</p>`;
  if (signUp === 'invite') return html`<p class="muted small">No account? Ask an admin for an invite link.</p>`;
  return html`<p class="muted small">No account? Ask an admin; they add users with <code>npm run users -- add NAME</code>.</p>`;
}

export function loginPage(next: string, opts: LoginPageOptions = {}): SafeHtml {
  const sso = opts.singleSignOn;
  return layout({
    title: 'Sign in',
    page: 'account',
    body: html`<section class="card login-card">
<h1>Sign in</h1>
${opts.error ? html`<div class="alert alert-error" role="alert">${opts.error}</div>` : ''}
${sso
  ? html`<p class="actions"><a class="button sso-button" href="/auth/oidc/start${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}">Sign in with ${sso}</a></p>
<p class="muted small">Or with a Docent password:</p>`
  : ''}
<form class="login-form" method="post" action="/login" hx-post="/login" hx-target="#login-result" hx-swap="innerHTML">
  <input type="hidden" name="next" value="${next}">
  <label>Name <input name="name" autocomplete="username" required maxlength="64" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
  <div class="actions"><button type="submit">Sign in</button></div>
</form>
<div id="login-result" aria-live="polite"></div>
${noAccount(opts.signUp)}
</section>`,
  });
}

/** The token list with revoke buttons, and the secret of a token just made (shown this once). */
export function tokenSection(tokens: readonly ApiTokenView[], created?: { token: string; label: string }): SafeHtml {
  const rows = tokens.map(
    (t) => html`<tr data-id="${t.id}"><td>${t.label}</td><td>${when(t.createdAt)}</td><td>${t.lastUsedAt === null ? 'never' : when(t.lastUsedAt)}</td>
  <td><button type="button" class="delete-button" hx-delete="/settings/tokens/${t.id}" hx-target="#token-section" hx-swap="outerHTML"
    hx-confirm="${`Revoke the token "${t.label}"? Programs using it will be refused.`}" aria-label="Revoke ${t.label}">Revoke</button></td></tr>`,
  );
  return html`<div id="token-section">
${created
  ? html`<div class="alert alert-ok" role="status">New token "${created.label}": copy it now, it is not shown again.
  <pre class="token-secret">${created.token}</pre></div>`
  : ''}
${tokens.length === 0
  ? html`<p class="empty">No tokens yet.</p>`
  : html`<table class="table"><thead><tr><th>Label</th><th>Created</th><th>Last used</th><th aria-label="Actions"></th></tr></thead><tbody>${rows}</tbody></table>`}
</div>`;
}

export function settingsPage(name: string, role: string, tokens: readonly ApiTokenView[]): SafeHtml {
  return layout({
    title: 'Settings',
    page: 'account',
    body: html`<h1>Settings</h1>
<section class="card"><h2>Account</h2><p>Signed in as <strong>${name}</strong> (${role}).
  To change your password, ask an admin to run <code>npm run users -- reset-password ${name}</code>.</p></section>
<section class="card"><h2>Personal API tokens</h2>
<p class="muted small">For programs: send a token as <code>Authorization: Bearer &lt;token&gt;</code>, or set
  <code>DOCENT_TOKEN</code> for the command-line tools. A token acts as you on the API (not on pages).</p>
<form class="token-form actions" hx-post="/settings/tokens" hx-target="#token-section" hx-swap="outerHTML">
  <input name="label" maxlength="80" placeholder="Label, e.g. laptop CLI" aria-label="Token label">
  <button type="submit">Create token</button>
</form>
${tokenSection(tokens)}
</section>
${chatDataSection()}`,
  });
}
