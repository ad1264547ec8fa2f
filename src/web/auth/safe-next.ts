/**
 * Where to go after signing in (`/login?next=…`): a path on this site only. Anything that could
 * leave it is replaced by "/": absolute URLs, scheme-relative `//host`, backslashes (browsers read
 * `/\host` as `//host`), control characters, and paths under /login itself.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return '/';
  let url: URL;
  try {
    url = new URL(raw, 'http://docent.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://docent.invalid' || url.pathname === '/login' || url.pathname === '/logout') return '/';
  return url.pathname + url.search + url.hash;
}
