/**
 * The page shell every page shares: head (our CSS, htmx served locally), the nav and a main area.
 * Scripts are files under /static only: the Content-Security-Policy forbids inline scripts.
 * csrf.js comes first: it adds the session's token to every request that changes something.
 */
import { html, type SafeHtml } from '../src/web/html.ts';
import { signedInUser } from '../src/web/auth/current-user.ts';
import { accountNav } from './account-nav.ts';

export type PageName = 'ask' | 'documents' | 'collections' | 'analytics' | 'admin' | 'account';

const NAV: { name: PageName; href: string; label: string }[] = [
  { name: 'ask', href: '/', label: 'Ask' },
  { name: 'documents', href: '/documents', label: 'Documents' },
  { name: 'collections', href: '/collections', label: 'Collections' },
  { name: 'analytics', href: '/analytics', label: 'Analytics' },
  { name: 'admin', href: '/admin', label: 'Admin' },
];

/** Analytics and Admin are for admins once sign-in is on; Admin exists only then. */
function shown(name: PageName): boolean {
  const user = signedInUser();
  if (name === 'admin') return user?.role === 'admin';
  if (name === 'analytics') return user === undefined || user.role === 'admin';
  return true;
}

export interface LayoutOptions {
  title: string;
  page: PageName;
  body: SafeHtml;
  /** Extra scripts under /static, loaded after htmx. */
  scripts?: string[];
  /** Extra ES module scripts under /static (they may import their neighbours), run after the scripts. */
  modules?: string[];
}

export function layout({ title, page, body, scripts = [], modules = [] }: LayoutOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Docent</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/csrf.js" defer></script>
<script src="/static/htmx.js" defer></script>
${scripts.map((s) => html`<script src="${s}" defer></script>`)}
${modules.map((s) => html`<script type="module" src="${s}"></script>`)}
</head>
<body>
<header class="topbar">
  <a class="brand" href="/">Docent</a>
  <nav aria-label="Main">
    ${NAV.filter((n) => shown(n.name)).map((n) => html`<a href="${n.href}"${n.name === page ? html` aria-current="page" class="active"` : ''}>${n.label}</a>`)}
  </nav>
  ${accountNav()}
</header>
<main>
${body}
</main>
</body>
</html>`;
}
