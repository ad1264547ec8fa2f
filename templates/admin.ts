/**
 * The Admin page (admins only): users (add with a password, make or unmake admin, reset a
 * password, remove) and rights per collection (grant read or write to a user or to everyone,
 * revoke), and sign-up invites (SIGNUP=invite: make a link, shown once; the list with each one's
 * status; revoke an unused one). Every form is a plain POST that works without JavaScript (the page's request token in
 * the field csrf_token; the server answers the whole page) and, with htmx, swaps the panel alone.
 * Names, collection names and descriptions are user text: escaped like everything else.
 */
import type { User } from '../src/accounts/account-store.ts';
import type { InviteView } from '../src/accounts/invites.ts';
import type { Level } from '../src/accounts/rights.ts';
import type { SignUpMode } from '../src/accounts/sign-up.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

export interface AdminView {
  users: readonly User[];
  collections: readonly CollectionView[];
  /** Grants with the grantee's shown name ("everyone" or a user's name). */
  grants: ReadonlyArray<{ collectionId: string; who: string; level: Level }>;
  /** The signed-in admin (cannot remove themselves). */
  me: string;
  csrfToken: string;
  /** Config SIGNUP (the invites section shows with `invite`); invites newest first. */
  signUp?: SignUpMode;
  invites?: readonly InviteView[];
  /** `link`: an invite link just made, shown this once. */
  result?: { ok: boolean; message: string; link?: string } | undefined;
}

const hx = html`hx-target="#admin-panel" hx-swap="outerHTML"`;

function form(v: AdminView, action: string, fields: SafeHtml, button: string, cls = ''): SafeHtml {
  return html`<form method="post" action="${action}" hx-post="${action}" ${hx} class="inline-form ${cls}">
<input type="hidden" name="csrf_token" value="${v.csrfToken}">${fields}<button type="submit"${cls.includes('danger') ? html` class="secondary"` : ''}>${button}</button></form>`;
}

function userRow(v: AdminView, u: User): SafeHtml {
  const name = html`<input type="hidden" name="name" value="${u.name}">`;
  const role = u.role === 'admin'
    ? form(v, '/admin/users/role', html`${name}<input type="hidden" name="role" value="member">`, 'Make member')
    : form(v, '/admin/users/role', html`${name}<input type="hidden" name="role" value="admin">`, 'Make admin');
  const reset = form(v, '/admin/users/password', html`${name}<input name="password" type="password" minlength="8" maxlength="1024" required autocomplete="new-password" aria-label="New password for ${u.name}" placeholder="New password">`, 'Reset password');
  const remove = u.name === v.me ? '' : form(v, '/admin/users/remove', name, 'Remove', 'danger');
  return html`<tr data-user="${u.name}"><td>${u.name}</td><td>${u.role}</td><td class="actions">${role}${reset}${remove}</td></tr>`;
}

function rightsRows(v: AdminView): SafeHtml[] {
  return v.collections.map((c) => {
    const grants = v.grants.filter((g) => g.collectionId === c.id);
    const items = grants.map((g) => html`<li data-grant="${g.who}:${g.level}">${g.who}: ${g.level}
  ${form(v, '/admin/rights/revoke', html`<input type="hidden" name="collection" value="${c.id}"><input type="hidden" name="who" value="${g.who}">`, 'Revoke', 'danger')}</li>`);
    return html`<tr data-collection="${c.name}"><td>${c.name}</td><td>${grants.length === 0 ? html`<span class="muted">admins only</span>` : html`<ul class="grants">${items}</ul>`}</td></tr>`;
  });
}

const when = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

function inviteRow(v: AdminView, i: InviteView): SafeHtml {
  const status = i.status === 'used' ? `used${i.usedBy ? ` by ${i.usedBy}` : ''} ${when(i.usedAt)}` : i.status === 'revoked' ? `revoked ${when(i.revokedAt)}` : i.status === 'expired' ? `expired ${when(i.expiresAt)}` : `unused, until ${when(i.expiresAt)}`;
  const revoke = i.status === 'unused' ? form(v, '/admin/invites/revoke', html`<input type="hidden" name="id" value="${i.id}">`, 'Revoke', 'danger') : '';
  return html`<tr data-invite="${i.id}" data-status="${i.status}"><td>${i.label || html`<span class="muted">no note</span>`}</td><td>${i.createdBy ?? 'command line'}, ${when(i.createdAt)}</td><td class="invite-status">${status}</td><td class="actions">${revoke}</td></tr>`;
}

function invitesSection(v: AdminView): SafeHtml {
  if (v.signUp !== 'invite') {
    return html`<section class="card"><h2>Sign-up</h2><p class="muted small">Self sign-up is <strong>${v.signUp ?? 'off'}</strong> (setting <code>SIGNUP</code>).
${v.signUp === 'open' ? 'Anyone who can reach the sign-in page can create a member account.' : 'Set SIGNUP=invite to hand out single-use sign-up links here, or SIGNUP=open to let anyone create a member account.'}</p></section>`;
  }
  const invites = v.invites ?? [];
  return html`<section class="card"><h2>Invites</h2>
<p class="muted small">A link makes one member account (with the rights everyone has) and then stops working; it also stops when it expires or is revoked.</p>
${invites.length === 0 ? html`<p class="empty">No invites yet.</p>` : html`<table class="table invites"><thead><tr><th>Note</th><th>Made by</th><th>Status</th><th aria-label="Actions"></th></tr></thead><tbody>${invites.map((i) => inviteRow(v, i))}</tbody></table>`}
<h3>Make an invite link</h3>
${form(v, '/admin/invites', html`<label>Note <input name="label" maxlength="120" autocomplete="off" placeholder="e.g. the person's e-mail (optional)"></label>`, 'Create invite link', 'create-invite')}
</section>`;
}

export function adminPanel(v: AdminView): SafeHtml {
  const who = [html`<option value="everyone">everyone</option>`, ...v.users.map((u) => html`<option value="${u.name}">${u.name}</option>`)];
  return html`<div id="admin-panel">
${v.result ? html`<div class="alert ${v.result.ok ? 'alert-ok' : 'alert-error'}" role="${v.result.ok ? 'status' : 'alert'}">${v.result.message}${v.result.link ? html`<input class="invite-link" type="text" readonly value="${v.result.link}" aria-label="Invite link">` : ''}</div>` : ''}
<section class="card"><h2>Users</h2>
<table class="table"><thead><tr><th>Name</th><th>Role</th><th aria-label="Actions"></th></tr></thead><tbody>${v.users.map((u) => userRow(v, u))}</tbody></table>
<h3>Add a user</h3>
${form(v, '/admin/users', html`<label>Name <input name="name" required maxlength="64" autocomplete="off"></label>
<label>Password <input name="password" type="password" required minlength="8" maxlength="1024" autocomplete="new-password"></label>
<label><input type="checkbox" name="admin" value="1"> Admin</label>`, 'Add user', 'add-user')}
</section>
${invitesSection(v)}
<section class="card"><h2>Rights per collection</h2>
<p class="muted small">Read: ask over the collection and read its documents. Write: also upload, delete, move, rename and re-index. Admins have every right.</p>
<table class="table"><thead><tr><th>Collection</th><th>Rights</th></tr></thead><tbody>${rightsRows(v)}</tbody></table>
<h3>Grant a right</h3>
${form(v, '/admin/rights', html`<label>Collection <select name="collection">${v.collections.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select></label>
<label>To <select name="who">${who}</select></label>
<label>Level <select name="level"><option value="read">read</option><option value="write">write</option></select></label>`, 'Grant', 'grant-right')}
</section>
</div>`;
}

export function adminPage(v: AdminView): SafeHtml {
  return layout({ title: 'Admin', page: 'admin', body: html`<h1>Admin</h1>${adminPanel(v)}` });
}
