/**
 * Host names as the Host header carries them, matched against ALLOWED_HOSTS. Used by every HTTP
 * face of Docent (the web, the analytics API) to refuse requests under a foreign name: a
 * DNS-rebinding page makes the browser send its own name to our address.
 */

/** The host name of a Host header value, lower case, port removed (IPv6 keeps its brackets). */
export function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** True when `name` is one of `allowed` (an entry ".example.com" matches its subdomains); empty allows all. */
export function hostAllowed(name: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (name === '') return false;
  return allowed.some((a) => (a.startsWith('.') ? name.endsWith(a) || name === a.slice(1) : name === a));
}

/** What to tell a client that used a foreign host name. */
export function foreignHostMessage(name: string): string {
  const shown = name === '' ? '(none)' : JSON.stringify(name.slice(0, 100));
  return `Docent does not answer to the host name ${shown}. If you reach it under that name, add it to ALLOWED_HOSTS.`;
}
