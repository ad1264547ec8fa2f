/**
 * The web application: static assets, JSON API, server-rendered pages, one 404 and one error
 * middleware. Creating it has no side effects beyond the returned object; the caller listens.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import type { Accounts } from '../accounts/accounts.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { PerClientLimit } from './client-limits.ts';
import { RateLimitStore } from '../rate-limits/rate-limit-store.ts';
import { WebRateLimits } from './rate-limits.ts';
import { accountRoutes } from './auth/account-routes.ts';
import { oidcRoutes } from './auth/oidc-routes.ts';
import { signUpRoutes } from './auth/signup-routes.ts';
import { SignUps } from '../accounts/sign-up.ts';
import type { OidcClient } from '../accounts/oidc/oidc-client.ts';
import { accessLookup } from './auth/access-lookup.ts';
import { adminRoutes } from './auth/admin-routes.ts';
import { authGate } from './auth/auth-gate.ts';
import { scopedServices } from './auth/scoped-services.ts';
import { chatOwners } from './auth/chat-owner.ts';
import { analyticsUsers } from './auth/analytics-users.ts';
import { errorMiddleware } from './error-middleware.ts';
import { crossSiteGuard } from './guards/cross-site-guard.ts';
import { hostGuard } from './guards/host-guard.ts';
import { ensureSession, SessionTokens } from './guards/session-token.ts';
import { notFound } from './http-error.ts';
import { mcpRoute } from './mcp/mcp-route.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { analyticsQualityRoutes } from './routes/analytics-quality.ts';
import { OPENAI_BODY_LIMIT, openAiApi } from './openai/openai-api.ts';
import { createQuestionGate } from './question-gate.ts';
import { askApi } from './routes/ask-api.ts';
import { chatExportRoutes } from './routes/chat-export-routes.ts';
import { chatRoutes } from './routes/chat-routes.ts';
import { jsonApi } from './routes/api.ts';
import { collectionPages } from './routes/collection-pages.ts';
import { collectionsApi } from './routes/collections.ts';
import { webPageRoutes } from './routes/web-pages.ts';
import { documentBulkApi } from './routes/document-bulk.ts';
import { pages } from './routes/pages.ts';
import { securityHeaders } from './security-headers.ts';
import type { WebServices } from './services.ts';
import { staticAssets } from './static-assets.ts';
import { traceRequests } from './trace-requests.ts';
import { metricsRoute } from '../metrics/metrics-route.ts';
import type { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { uploadMiddleware } from './upload.ts';

export interface WebAppOptions {
  services: WebServices;
  config: Config;
  logger: Logger;
  /**
   * Signs the per-session request tokens (./guards/session-token.ts). Default: a random secret of
   * this app alone, so tokens do not survive a restart or work on another web process; the web role
   * passes the one from SESSION_SECRET or DATA_DIR.
   */
  sessionSecret?: Buffer;
  /**
   * Users, sessions and API tokens (src/accounts/). With it, sign-in is required whenever users
   * exist and AUTH is not off (./auth/auth-gate.ts); without it (tests of single-user mode) never.
   */
  accounts?: Accounts;
  /** Single sign-on (OIDC_* settings): with it (and accounts), sign-in is required even before a user exists. */
  oidc?: OidcClient | undefined;
  /** The process's metrics, served at GET /metrics (src/metrics/); none without it. */
  metrics?: PrometheusMetrics;
  /**
   * Where the rates of questions and uploads are counted (./rate-limits.ts): the web role passes
   * the one in DATA_DIR, shared with the other web processes. Default: this app's alone.
   */
  rateLimits?: RateLimitStore;
  /** The clock of the rate limits (tests move it). Default Date.now. */
  now?: () => number;
}

export function createWebApp({ services: raw, config, logger, sessionSecret, accounts, metrics, oidc, rateLimits, now }: WebAppOptions): express.Application {
  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY: req.ip (every per-address limit) and req.secure (Secure cookies) follow the proxy's X-Forwarded-* headers.
  if (config.web.trustProxy !== false) app.set('trust proxy', config.web.trustProxy);
  // Before the host check: scrapers address the process by IP (src/metrics/metrics-route.ts).
  if (metrics) app.use(metricsRoute(metrics));
  // Before anything is served: a request under a foreign host name (DNS rebinding) gets nothing.
  app.use(hostGuard(config.web.allowedHosts));
  app.use(securityHeaders);
  app.use(staticAssets());
  app.use(traceRequests());
  const tokens = new SessionTokens(sessionSecret ?? randomBytes(32));
  // Before any body is read: a cross-site request is refused without consuming it.
  app.use(crossSiteGuard({ tokens, allowedOrigins: config.web.allowedOrigins, formTokenPaths: /^\/admin(\/|$)/ }));
  // The page's token for this browser session (templates/static/csrf.js); same-origin scripts only
  // can read it, as no CORS header is ever sent.
  app.get('/api/session', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ csrfToken: tokens.tokenFor(ensureSession(req, res)) });
  });
  const signInRequired = (): boolean => accounts !== undefined && config.auth.mode !== 'off' && (oidc !== undefined || accounts.hasUsers());
  // Whose chats a request sees (private chats): the signed-in user's; all when sign-in is off.
  const owners = chatOwners(accounts ? () => accounts.listUsers() : undefined);
  // Whom the analytics filter by user lists (admins; names from the account store).
  const users = accounts ? analyticsUsers(() => accounts.listUsers()) : undefined;
  if (accounts) app.use(authGate({ accounts, required: signInRequired }));
  // Every route below uses the services as the signed-in user may (./auth/scoped-services.ts).
  const services = accounts ? scopedServices(raw, accounts.rights, accessLookup(accounts, signInRequired)) : raw;
  // Questions can be up to MAX_QUESTION_CHARS; leave room for settings and JSON escaping. Only JSON
  // bodies are parsed here (uploads are multipart, read by their route; the Collections page's forms
  // are parsed by its own routes).
  const jsonLimit = Math.max(100_000, config.web.maxQuestionChars * 8);
  app.use('/v1', express.json({ limit: OPENAI_BODY_LIMIT }));
  app.use(express.json({ limit: jsonLimit }));
  const signUps = accounts ? new SignUps(accounts, config.auth.signup) : undefined;
  if (accounts) app.use(accountRoutes({ accounts, required: signInRequired, singleSignOn: oidc?.settings.providerName, signUp: () => (signUps?.enabled ? signUps.mode : 'off') }));
  if (accounts && signUps) app.use(signUpRoutes({ accounts, signUps, required: signInRequired }));
  if (accounts && oidc) app.use(oidcRoutes({ accounts, oidc, logger }));
  if (accounts) app.use(adminRoutes({ accounts, collections: raw.collections, access: services.access!, tokens, signUp: config.auth.signup }));
  // One upload middleware for both upload routes: they count against one storage budget.
  // Questions and uploads per user and address, counted across web processes (./rate-limits.ts).
  const rates = new WebRateLimits(rateLimits ?? new RateLimitStore(':memory:'), config.rateLimits, now);
  const upload = rates.limitUploads(uploadMiddleware(config, services.documents));
  app.post(['/api/documents/url', '/documents/url', '/api/documents/:id/refresh', '/documents/:id/refresh'], rates.middleware('upload'));
  // One count of questions in flight per client, whichever way it asks (/api/ask, /v1, the MCP tools).
  const questions = new PerClientLimit(config.limits.pendingQuestionsPerClient);
  const gate = createQuestionGate(config, questions, rates);
  app.use(askApi(services, config, logger, gate, owners));
  app.use(openAiApi(services, config, logger, gate));
  app.use(mcpRoute({ services, logger, maxQuestionChars: config.web.maxQuestionChars, questions, maxQuestions: config.limits.pendingQuestionsPerClient, rates }));
  app.use(jsonApi(services, config, upload, owners, users));
  app.use(collectionsApi(services));
  app.use(documentBulkApi(services));
  app.use(webPageRoutes(services));
  app.use(analyticsRoutes(services, users));
  app.use(analyticsQualityRoutes(services, users));
  app.use(chatExportRoutes(services, owners));
  app.use(chatRoutes(services, config, owners));
  app.use(pages(services, config, upload, users));
  app.use(collectionPages(services));
  app.use((req) => {
    throw notFound(`Nothing at ${req.method} ${req.path}.`);
  });
  app.use(errorMiddleware(logger, config.web.maxUploadBytes));
  return app;
}
