/**
 * A real OpenID provider for the single sign-on tests: oidc-provider 8 in this process, on a free
 * loopback port, with one confidential client, PKCE required, and accounts given by the test. Its
 * development interactions (a login form taking any account id, then a consent form) are completed
 * with plain HTTP requests by `ProviderBrowser`, which plays the person's browser: its own cookie
 * jar for the provider, redirects followed by hand. Nothing of the protocol is mocked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Account id -> the claims the provider releases for it (sub is the id). */
  accounts: Record<string, Record<string, unknown>>;
}

/** Listens first (the issuer URL holds the port), then serves the provider built by `configure`. */
export async function listenProvider(): Promise<{ issuer: string; serve(opts: TestProviderOptions): TestProvider }> {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    serve(opts) {
      const provider = new Provider(issuer, {
        clients: [{ client_id: opts.clientId, client_secret: opts.clientSecret, redirect_uris: [opts.redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
        findAccount: (_ctx: unknown, id: string) => {
          const claims = opts.accounts[id];
          return claims && { accountId: id, claims: () => ({ ...claims, sub: id }) };
        },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name', 'groups'] },
        pkce: { required: () => true },
        cookies: { keys: ['docent-test-provider-cookie-key-0123456789'] },
        features: { devInteractions: { enabled: true } },
      });
      handler = provider.callback();
      return {
        issuer,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

/** The provider side of a browser: signs in as `account` and consents; returns the redirect back to the client. */
export class ProviderBrowser {
  private readonly jar = new Map<string, string>();

  constructor(private readonly issuer: string) {}

  private async get(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || pair.slice(eq + 1) === '') this.jar.delete(name);
      else this.jar.set(name, pair.slice(eq + 1));
    }
    return res;
  }

  /**
   * Follows `authorizationUrl` through the provider: the login form as `account`, then consent
   * (or, with `decline`, the Cancel link). The URL the provider sends the browser back to.
   */
  async authorize(authorizationUrl: string, account: string, decline = false): Promise<URL> {
    let url = authorizationUrl;
    for (let step = 0; step < 12; step++) {
      const res = await this.get(url);
      if (res.status === 200) {
        const page = await res.text();
        const uid = /\/interaction\/([^/"?]+)/.exec(url)?.[1];
        if (!uid) throw new Error(`unexpected provider page at ${url}: ${page.slice(0, 300)}`);
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (decline) {
          url = `${this.issuer}/interaction/${uid}/abort`;
          continue;
        }
        const fields: Record<string, string> = prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt: prompt ?? 'consent' };
        const post = await this.get(`${this.issuer}/interaction/${uid}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
        url = new URL(post.headers.get('location')!, this.issuer).href;
        continue;
      }
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) throw new Error(`provider answered ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`);
      const next = new URL(location, url);
      if (next.origin !== this.issuer) return next;
      url = next.href;
    }
    throw new Error('the provider did not send the browser back');
  }
}
