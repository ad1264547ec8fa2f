/**
 * The sign-up page (SIGNUP=invite or open; src/accounts/sign-up.ts): choose a name and a password
 * (typed twice). With an invite the secret rides along in a hidden field. The form posts with htmx
 * like the sign-in page (errors come back as the alert fragment into #signup-result; success
 * sends the browser home, signed in). An invite link that cannot be used shows only why.
 */
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

export interface SignUpPageOptions {
  /** The invite secret of the link (SIGNUP=invite). */
  invite?: string | undefined;
  /** Why the link cannot be used (then no form is shown). */
  refused?: string | undefined;
}

export function signUpPage(opts: SignUpPageOptions = {}): SafeHtml {
  const form = html`<p class="muted small">You get a member account: you can ask over and read the collections open to everyone, and an admin can give you more.</p>
<form class="signup-form" method="post" action="/signup" hx-post="/signup" hx-target="#signup-result" hx-swap="innerHTML">
  ${opts.invite !== undefined ? html`<input type="hidden" name="invite" value="${opts.invite}">` : ''}
  <label>Name <input name="name" autocomplete="username" required maxlength="64" title="1-64 letters, digits and . _ @ - (no spaces)" autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></label>
  <label>Password again <input name="repeat" type="password" autocomplete="new-password" required minlength="8" maxlength="1024"></label>
  <div class="actions"><button type="submit">Create account</button></div>
</form>
<div id="signup-result" aria-live="polite"></div>`;
  return layout({
    title: 'Sign up',
    page: 'account',
    body: html`<section class="card login-card">
<h1>Create your account</h1>
${opts.refused !== undefined ? html`<div class="alert alert-error" role="alert">${opts.refused}</div>` : form}
<p class="muted small">Have an account? <a href="/login">Sign in</a>.</p>
</section>`,
  });
}
