/**
 * The OpenID provider as Docent talks to it, through openid-client (the one place that library is
 * imported). Discovery runs at start; when the provider cannot be reached the web still starts
 * (password sign-in works) and discovery is tried again when someone clicks "Sign in with …", at
 * most once every RETRY_MS. A sign-in is the authorization code flow with PKCE (S256), state and
 * nonce; `finish` has openid-client check state, issuer, audience, nonce, the ID token's signature
 * and expiry, and redeem the code with the verifier. Profile claims are read from the ID token,
 * then from the UserInfo endpoint when the provider has one (many put names only there).
 */
import * as client from 'openid-client';
import type { Logger } from 'pino';
import { isLoopbackHost } from '../auth-mode.ts';
import type { OidcSettings } from './oidc-settings.ts';

const RETRY_MS = 10_000;

export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcStart extends OidcChecks {
  url: string;
}

/** What the provider said about the person: `iss` and `sub` always, the rest as it chose. */
export type OidcClaims = Record<string, unknown> & { iss: string; sub: string };

export class ProviderUnreachableError extends Error {
  override name = 'ProviderUnreachableError';
}

export class OidcClient {
  private config: client.Configuration | undefined;
  private failedAt = -Infinity;
  private lastError = '';
  private pending: Promise<client.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Discovers the provider (cached once it succeeds); ProviderUnreachableError when it cannot. */
  async configuration(): Promise<client.Configuration> {
    if (this.config) return this.config;
    if (this.now() - this.failedAt < RETRY_MS) throw new ProviderUnreachableError(this.lastError);
    this.pending ??= this.discover().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async discover(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    const url = new URL(issuer);
    const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
    try {
      this.config = await client.discovery(url, clientId, clientSecret, clientSecret === undefined ? client.None() : undefined, {
        timeout: 10,
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
      this.log.info({ issuer }, 'single sign-on: provider discovered');
      return this.config;
    } catch (err) {
      this.failedAt = this.now();
      this.lastError = `${issuer} cannot be reached or is not an OpenID provider: ${(err as Error).message}`;
      this.log.error({ issuer, err }, 'single sign-on: provider discovery failed (password sign-in still works; retried on the next SSO sign-in)');
      throw new ProviderUnreachableError(this.lastError);
    }
  }

  /** New checks and the URL to send the browser to. */
  async start(redirectUrl: string): Promise<OidcStart> {
    const config = await this.configuration();
    const checks = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
    });
    return { ...checks, url: url.href };
  }

  /** Redeems the code in `callbackUrl` (the redirect URL with the provider's query) after checking it. */
  async finish(callbackUrl: URL, checks: OidcChecks): Promise<OidcClaims> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const id = tokens.claims();
    if (!id) throw new Error('the provider sent no ID token');
    let profile: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        profile = await client.fetchUserInfo(config, tokens.access_token, id.sub);
      } catch (err) {
        this.log.warn({ err }, 'single sign-on: UserInfo failed; using the ID token claims alone');
      }
    }
    // The ID token's iss and sub (checked above) win over anything UserInfo says.
    return { ...profile, ...id, iss: id.iss, sub: id.sub };
  }
}
