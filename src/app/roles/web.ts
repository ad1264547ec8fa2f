/**
 * The web role: the HTTP API and pages. Questions go out over the bus, votes to the event log,
 * searches run against the shared index, analytics come from the analytics process
 * (ANALYTICS_URL) or, without it, from the store in this process.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { AccountStore } from '../../accounts/account-store.ts';
import { Accounts } from '../../accounts/accounts.ts';
import { RateLimitStore } from '../../rate-limits/rate-limit-store.ts';
import { authModeMessage, decideAuthMode } from '../../accounts/auth-mode.ts';
import { OidcClient } from '../../accounts/oidc/oidc-client.ts';
import { createHttpAnalyticsReader, createLocalAnalyticsReader } from '../../analytics/http-reader.ts';
import { createAnswerClient } from '../../asking/answer-client.ts';
import { createVoteService } from '../../asking/vote-service.ts';
import { SqliteChatStore } from '../../chats/chat-store.ts';
import { createPassageService } from '../../chats/passages.ts';
import { startChatRetention } from '../../chats/chat-retention.ts';
import { isolatedParser } from '../../ingest/isolated-parser.ts';
import { createCollectionService } from '../../documents/collection-service.ts';
import { createDocumentService } from '../../documents/document-service.ts';
import { createWebPageService } from '../../sources/web-page-service.ts';
import { startInboxWatcher } from '../../sources/inbox-watcher.ts';
import { DocumentRegistry } from '../../documents/registry.ts';
import { createCollectionRetriever } from '../../retrieval/collection-retriever.ts';
import { createWebApp } from '../../web/app.ts';
import { loadSessionSecret } from '../../web/guards/session-token.ts';
import { removeStaleUploads } from '../../web/upload-storage.ts';
import { assertStoredWithin, StorageQuota } from '../../web/storage-quota.ts';
import type { WebServices } from '../../web/services.ts';
import { listen, loadTls } from '../http-server.ts';
import { ANSWER_QUEUES, INGEST_QUEUES, watchIndex, watchQueues } from '../observe.ts';
import type { Runtime } from '../runtime.ts';

export async function startWeb(rt: Runtime): Promise<{ port: number }> {
  const log = rt.logger.child({ component: 'web' });
  const cfg = rt.config;
  // Read before the models load, so a missing or bad certificate stops start-up at once.
  const tls = cfg.web.tls ? await loadTls(cfg.web.tls) : undefined;
  await fs.mkdir(cfg.paths.data, { recursive: true });
  // Failed sign-ins and the rates of questions and uploads, counted with every web process sharing DATA_DIR.
  const rateLimits = new RateLimitStore(path.join(cfg.paths.data, 'rate-limits.db'));
  rt.closer.add('rate-limit store', () => rateLimits.close());
  const accounts = new Accounts(new AccountStore(path.join(cfg.paths.data, 'accounts.db')), { ...cfg.auth, rateLimits });
  rt.closer.add('account store', () => accounts.close());
  // Before anything else starts: no users on a non-loopback HOST stops here with what to do.
  const sso = cfg.auth.oidc;
  const mode = decideAuthMode(cfg.auth.mode, accounts.hasUsers(), cfg.web.host, sso !== undefined);
  if (mode === 'off') log.warn(authModeMessage(mode));
  else log.info({ authMode: mode }, authModeMessage(mode));
  const oidc = sso && mode !== 'off' ? new OidcClient(sso, log) : undefined;
  if (sso && mode === 'off') log.warn('AUTH=off: the OIDC_* settings are ignored (no sign-in at all)');
  if (cfg.auth.signup !== 'off') {
    if (mode === 'off') log.warn(`AUTH=off: SIGNUP=${cfg.auth.signup} is ignored (no accounts in use)`);
    else log.info({ signup: cfg.auth.signup }, cfg.auth.signup === 'open' ? 'sign-up is open: anyone who reaches /signup can create a member account' : 'sign-up by invite: admins make single-use links on the Admin page');
  }
  // Discovery now, so a wrong OIDC_ISSUER shows in the start-up log; a failure does not stop the
  // web (password sign-in works) and is retried at the next "Sign in with …".
  if (oidc) await oidc.configuration().catch(() => undefined);
  // Expired sessions are refused when used; this keeps the table from growing with abandoned ones.
  accounts.sweepSessions();
  const sweep = setInterval(() => accounts.sweepSessions(), 3_600_000);
  sweep.unref();
  rt.closer.add('session sweep', () => clearInterval(sweep));
  const [{ bus, events }, embedder, stores] = await Promise.all([rt.messaging(), rt.embedder(), rt.stores()]);

  await fs.mkdir(cfg.paths.data, { recursive: true });
  const registry = new DocumentRegistry(path.join(cfg.paths.data, 'documents.db'));
  rt.closer.add('document registry', () => registry.close());
  // A deleted document leaves the list only once this process's index no longer holds it.
  // Temp files of uploads cut short by a crash or a kill: nothing is receiving them any more.
  const stale = await removeStaleUploads(path.join(cfg.paths.data, 'tmp'));
  if (stale > 0) log.info({ files: stale }, 'removed upload temp files left by an earlier run');
  const documents = await createDocumentService({
    bus,
    registry,
    uploadsDir: cfg.paths.uploads,
    logger: log,
    beforeDeleted: () => stores.reload(),
    beforeReady: () => stores.reload(),
    maxPendingDocuments: cfg.limits.pendingDocuments,
    failedRetentionMs: cfg.limits.failedUploadRetentionMs,
  });
  rt.closer.add('document service', () => documents.close());
  const chats = new SqliteChatStore(path.join(cfg.paths.data, 'chats.db'));
  rt.closer.add('chat store', () => chats.close());
  const retention = cfg.limits.chatRetentionMs;
  if (retention !== null) {
    // Added after the store, so it stops before the store closes (the closer runs in reverse).
    const stop = startChatRetention(chats, { retentionMs: retention, logger: log });
    rt.closer.add('chat retention', stop);
  }
  const collections = createCollectionService({ registry, documents, bus, logger: log });
  const answers = await createAnswerClient({ bus, timeoutMs: cfg.answer.timeoutMs, logger: log, collectionName: (id) => registry.collections.find(id)?.name, sourceUrl: (id) => registry.sources.urlOf(id) });
  rt.closer.add('answer client', () => answers.close());
  const analytics = cfg.analytics.url
    ? createHttpAnalyticsReader(cfg.analytics.url)
    : createLocalAnalyticsReader(await rt.analyticsStore());

  // A fetched page counts against MAX_STORAGE_MB like an upload (measured once it is on disk).
  const pageQuota = new StorageQuota({ maxBytes: cfg.limits.storageBytes, dirs: [cfg.paths.uploads, path.join(cfg.paths.data, 'tmp')] });
  const webPages = createWebPageService({
    documents,
    sources: registry.sources,
    tempDir: path.join(cfg.paths.data, 'tmp'),
    admit: () => assertStoredWithin(pageQuota),
    fetch: { maxBytes: cfg.web.maxUploadBytes, timeoutMs: cfg.sources.fetchTimeoutMs, allowPrivate: cfg.sources.allowPrivateUrls },
  });
  if (cfg.sources.watchInbox) {
    // Here, not in the ingest worker: this process owns the document registry the inbox is recorded in.
    const inbox = await startInboxWatcher({ dir: cfg.paths.inbox, documents, sources: registry.sources, tempDir: path.join(cfg.paths.data, 'tmp'), logger: log.child({ component: 'inbox' }) });
    rt.closer.add('inbox watcher', () => inbox.close());
  }
  const services: WebServices = {
    documents,
    webPages,
    collections,
    search: createCollectionRetriever(embedder, stores, { mode: cfg.retrieval.searchMode }),
    answers,
    chats,
    passages: createPassageService({ documents, chats, uploadsDir: cfg.paths.uploads, parse: isolatedParser({ timeoutMs: cfg.ingest.parseTimeoutMs, maxTotalMemoryMb: cfg.ingest.parseMaxMemoryMb, ocr: cfg.ocr }) }),
    votes: createVoteService(events),
    embedder,
    analytics,
    // The embedder and the index were loaded before the server listens; what can change later is
    // the broker connection and whether the index needs a re-index. Analytics being down never
    // fails a request (events wait in a buffer), so it is reported without gating readiness; nor
    // does serving an older index version after a swap to another model (stale-index.ts).
    readiness: {
      check: () => {
        const { blocked } = stores.health();
        return Promise.resolve({ messaging: bus.health(), index: blocked !== null ? `re-index needed: ${blocked}` : 'ok' });
      },
      degraded: () => ({ analyticsEvents: events.health(), index: stores.health().stale ?? 'ok' }),
    },
  };
  const sessionSecret = await loadSessionSecret(cfg.web.sessionSecret, cfg.paths.data);
  watchQueues(rt.metrics, bus, [...ANSWER_QUEUES, ...INGEST_QUEUES]);
  watchIndex(rt.metrics, stores);
  const app = createWebApp({ services, config: cfg, logger: log, sessionSecret, accounts, metrics: rt.metrics, oidc, rateLimits });
  const server = await listen(app, cfg.web.host, cfg.web.port, rt.closer, log, tls);
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : cfg.web.port };
}
