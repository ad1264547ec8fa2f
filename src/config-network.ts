/**
 * The configuration's network settings that take more than a schema: ALLOWED_HOSTS,
 * ALLOWED_ORIGINS and TRUST_PROXY, each parsed into what the web uses, with a ConfigError naming
 * the variable for a value that cannot be right.
 */
import net from 'node:net';
import { ConfigError } from './config-error.ts';

/** The loopback names every install answers to (a browser on the same machine uses these). */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/** ALLOWED_HOSTS as a list; `*` means any host (returned as an empty list). */
export function parseAllowedHosts(raw: string | undefined, host: string): string[] {
  if (raw === undefined) {
    const own = host.toLowerCase();
    const wildcard = own === '0.0.0.0' || own === '::' || own === '[::]';
    const bracketed = own.includes(':') && !own.startsWith('[') ? `[${own}]` : own;
    return [...new Set([...LOOPBACK_HOSTS, ...(wildcard ? [] : [bracketed])])];
  }
  const names = raw.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (names.includes('*')) return [];
  const bad = names.find((h) => !/^\.?[a-z0-9._-]+$|^\[[0-9a-f:.]+\]$/.test(h));
  if (bad !== undefined) {
    throw new ConfigError(`invalid configuration:\n  ALLOWED_HOSTS: "${bad}" is not a host name (no scheme, port or path; IPv6 in brackets; "*" for any)`);
  }
  if (names.length === 0) throw new ConfigError('invalid configuration:\n  ALLOWED_HOSTS: name at least one host, or "*" for any');
  return names;
}

export function parseAllowedOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return origins.map((o) => {
    let url: URL;
    try {
      url = new URL(o);
    } catch {
      throw new ConfigError(`invalid configuration:\n  ALLOWED_ORIGINS: "${o}" is not an origin such as https://docent.example.com`);
    }
    if (url.origin === 'null' || url.pathname !== '/' || o.replace(/\/$/, '').toLowerCase() !== url.origin) {
      throw new ConfigError(`invalid configuration:\n  ALLOWED_ORIGINS: "${o}" is not an origin such as https://docent.example.com (scheme, host and port only)`);
    }
    return url.origin;
  });
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: `off`/`false` = none; a number = that many proxy hops; else addresses, CIDRs or
 * Express's names (loopback, linklocal, uniquelocal), comma-separated. `true` (any sender) is
 * refused: anyone could then choose the address their limits are counted under.
 */
export function parseTrustProxy(raw: string): false | number | string[] {
  const v = raw.trim().toLowerCase();
  if (v === 'off' || v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Math.min(Number(v), 100);
  const bad = (why: string): ConfigError => new ConfigError(`invalid configuration:\n  TRUST_PROXY: ${why}`);
  if (v === 'true') throw bad('"true" would believe X-Forwarded-For from anyone; give the number of proxies in front of Docent (e.g. 1) or their addresses (e.g. loopback or 10.0.0.0/8)');
  const list = v.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of list) {
    const [addr, bits, extra] = p.split('/');
    const ok = PROXY_NAMES.has(p) || (extra === undefined && addr !== undefined && net.isIP(addr) !== 0 && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (net.isIPv4(addr) ? 32 : 128))));
    if (!ok) throw bad(`"${p}" is not a hop count, an address, a CIDR or one of loopback, linklocal, uniquelocal`);
  }
  return list;
}
