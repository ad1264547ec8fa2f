/**
 * The one typed configuration of Docent. Every setting comes from the environment, is parsed and
 * validated once, and is exported frozen. Nothing else in src/ reads `process.env`.
 *
 * A bad value stops the process with a message naming the variable (see {@link ConfigError}).
 * The README's configuration table lists every variable; keep the two in step. The variables,
 * defaults and ranges are in config-schema.ts; ALLOWED_HOSTS, ALLOWED_ORIGINS and TRUST_PROXY are
 * parsed in config-network.ts.
 */
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './config-error.ts';
import { parseAllowedHosts, parseAllowedOrigins, parseTrustProxy } from './config-network.ts';
import { DEFAULT_MODEL_FILES, schema, type RawConfig } from './config-schema.ts';
import { readOidcSettings, type OidcSettings } from './accounts/oidc/oidc-settings.ts';
import type { LoginThrottleSettings } from './accounts/login-throttle.ts';
import type { OcrOptions } from './ingest/ocr/ocr-options.ts';
import type { RetryPolicy } from './ports/message-bus.ts';

export { ConfigError } from './config-error.ts';
export { LOOPBACK_HOSTS } from './config-network.ts';
export { DEFAULT_MODEL_FILES, type RawConfig } from './config-schema.ts';

type Env = Record<string, string | undefined>;

export interface Config {
  readonly web: {
    host: string;
    port: number;
    maxUploadBytes: number;
    maxQuestionChars: number;
    /** Lower-case host names; entries starting with "." match subdomains; empty = any host. */
    allowedHosts: readonly string[];
    /** Extra origins allowed to make state-changing browser requests (lower case, no trailing slash). */
    allowedOrigins: readonly string[];
    sessionSecret: string | undefined;
    /** Certificate and key files (absolute paths) when the web serves HTTPS itself; undefined for HTTP. */
    tls: { cert: string; key: string } | undefined;
    /** TRUST_PROXY as Express's 'trust proxy' takes it: false (off), a hop count, or a list of addresses/CIDRs/names. */
    trustProxy: false | number | string[];
  };
  /** Accounts and sign-in (src/accounts/). */
  readonly auth: { mode: RawConfig['AUTH']; sessionIdleMs: number; sessionMaxMs: number; oidc: OidcSettings | undefined; signup: RawConfig['SIGNUP']; inviteTtlMs: number; signInThrottle: LoginThrottleSettings };
  readonly analytics: { port: number; url: string | undefined };
  readonly log: { level: RawConfig['LOG_LEVEL'] };
  /** Metrics and traces (src/metrics/, src/tracing/). */
  readonly observe: { metricsPort: number | undefined; otlpEndpoint: string | undefined };
  readonly workerId: string;
  readonly paths: { data: string; vectorstore: string; models: string; inbox: string; uploads: string };
  readonly amqp: { url: string | undefined; prefix: string; answerQueueMaxLength: number };
  /** The one retry policy of the work queues (answer.requests, ingest.jobs), handed to `consume`. */
  readonly retry: RetryPolicy;
  readonly kafka: { brokers: string[] | undefined; clientId: string; prefix: string };
  readonly models: {
    chat: string;
    embed: string;
    /** True where CHAT_MODEL / EMBED_MODEL were left unset: the default models, fetched when missing. */
    chatIsDefault: boolean;
    embedIsDefault: boolean;
    threads: number;
    contextSize: number;
    sequences: number;
    /** 0 = one context per thread (see src/llm/context-layout.ts). */
    contexts: number;
    kvCacheType: RawConfig['LLM_KV_CACHE_TYPE'];
    /** 0 = the context size. */
    batchSize: number;
    mmap: boolean;
    systemPrompt: string | undefined;
  };
  /** Prompt compaction between retrieval and the prompt (src/answer/compact-passages.ts). */
  readonly prompt: { mergeOverlaps: boolean; maxScoreGap: number | null; trimSentences: boolean; injectionGuard: RawConfig['PROMPT_INJECTION_GUARD'] };
  readonly chunking: { size: number; overlap: number; embedBatch: number };
  readonly retrieval: { indexType: RawConfig['INDEX_TYPE']; searchMode: RawConfig['SEARCH_MODE'] };
  readonly ingest: { parseTimeoutMs: number; parseMaxMemoryMb: number; batchMax: number; batchWindowMs: number };
  /** Web pages and the watched inbox (src/sources/). */
  readonly sources: { watchInbox: boolean; allowPrivateUrls: boolean; fetchTimeoutMs: number };
  /** OCR of scans and images (src/ingest/ocr/ocr-options.ts). */
  readonly ocr: OcrOptions;
  /** Bounds on what one client, or all of them, can make the web hold (see the README, Using it and Configuration). */
  readonly limits: {
    /** MAX_STORAGE_MB in bytes (default 10,240 MB). */
    storageBytes: number;
    /** MAX_PENDING_DOCUMENTS (default 1000). */
    pendingDocuments: number;
    /** MAX_PENDING_QUESTIONS_PER_CLIENT (default 10). */
    pendingQuestionsPerClient: number;
    /** MAX_EVENT_STREAMS_PER_CLIENT (default 8). */
    eventStreamsPerClient: number;
    /** FAILED_UPLOAD_RETENTION_HOURS in milliseconds (default 24 h). */
    failedUploadRetentionMs: number;
    /** CHAT_RETENTION_DAYS in milliseconds; null (default): chats are kept. */
    chatRetentionMs: number | null;
  };
  /** Rates per user and per address, counted across web processes (src/web/rate-limits.ts); 0 = no limit. */
  readonly rateLimits: { askPerMinute: number; askPerMinutePerAddress: number; uploadsPerHour: number; uploadsPerHourPerAddress: number };
  readonly answer: { timeoutMs: number };
  readonly shutdownTimeoutMs: number;
  readonly cli: { serviceUrl: string; token: string | undefined };
}

/** Parses an environment into a frozen Config; throws ConfigError naming each bad variable. */
export function parseConfig(env: Env): Config {
  // An empty variable means "not set" (compose files and shells often pass VAR= ).
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.CHUNK_OVERLAP >= e.CHUNK_SIZE) {
    throw new ConfigError(`invalid configuration:\n  CHUNK_OVERLAP: must be smaller than CHUNK_SIZE (${e.CHUNK_SIZE})`);
  }
  if (e.RETRY_BACKOFF_MS > e.RETRY_BACKOFF_MAX_MS) {
    throw new ConfigError(`invalid configuration:\n  RETRY_BACKOFF_MAX_MS: must be at least RETRY_BACKOFF_MS (${e.RETRY_BACKOFF_MS})`);
  }
  if (e.SIGNIN_LOCK_MAX_MINUTES * 60 < e.SIGNIN_LOCK_SECONDS) {
    throw new ConfigError(`invalid configuration:\n  SIGNIN_LOCK_MAX_MINUTES: must be at least SIGNIN_LOCK_SECONDS (${e.SIGNIN_LOCK_SECONDS} s)`);
  }
  if ((e.TLS_CERT === undefined) !== (e.TLS_KEY === undefined)) {
    throw new ConfigError(`invalid configuration:\n  ${e.TLS_CERT === undefined ? 'TLS_CERT' : 'TLS_KEY'}: set TLS_CERT and TLS_KEY together (or neither, for plain HTTP)`);
  }
  const oidc = readOidcSettings(e);
  if (oidc !== undefined && 'error' in oidc) throw new ConfigError(`invalid configuration:\n  ${oidc.error}`);
  const data = path.resolve(e.DATA_DIR);
  const brokers = e.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  const cfg: Config = {
    web: {
      host: e.HOST,
      port: e.PORT,
      maxUploadBytes: e.MAX_UPLOAD_MB * 1024 * 1024,
      maxQuestionChars: e.MAX_QUESTION_CHARS,
      allowedHosts: parseAllowedHosts(e.ALLOWED_HOSTS, e.HOST),
      allowedOrigins: parseAllowedOrigins(e.ALLOWED_ORIGINS),
      sessionSecret: e.SESSION_SECRET,
      tls: e.TLS_CERT !== undefined && e.TLS_KEY !== undefined ? { cert: path.resolve(e.TLS_CERT), key: path.resolve(e.TLS_KEY) } : undefined,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
    },
    auth: { mode: e.AUTH, sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000, sessionMaxMs: e.SESSION_MAX_DAYS * 86_400_000, oidc, signup: e.SIGNUP, inviteTtlMs: e.INVITE_TTL_HOURS * 3_600_000, signInThrottle: signInThrottleOf(e) },
    analytics: { port: e.ANALYTICS_PORT, url: e.ANALYTICS_URL },
    log: { level: e.LOG_LEVEL },
    observe: { metricsPort: e.METRICS_PORT, otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT },
    workerId: e.WORKER_ID ?? `${os.hostname()}:${process.pid}`,
    paths: {
      data,
      vectorstore: path.resolve(e.VECTORSTORE_DIR),
      models: path.resolve(e.MODELS_DIR),
      inbox: path.resolve(e.INGEST_INBOX),
      uploads: path.join(data, 'uploads'),
    },
    amqp: { url: e.AMQP_URL, prefix: e.AMQP_PREFIX, answerQueueMaxLength: e.ANSWER_QUEUE_MAX_LENGTH },
    retry: { maxAttempts: e.RETRY_MAX_ATTEMPTS, backoff: { initialMs: e.RETRY_BACKOFF_MS, maxMs: e.RETRY_BACKOFF_MAX_MS } },
    kafka: { brokers: brokers && brokers.length > 0 ? brokers : undefined, clientId: e.KAFKA_CLIENT_ID, prefix: e.KAFKA_PREFIX },
    models: {
      chat: path.resolve(e.CHAT_MODEL ?? path.join(e.MODELS_DIR, DEFAULT_MODEL_FILES.chat)),
      embed: path.resolve(e.EMBED_MODEL ?? path.join(e.MODELS_DIR, DEFAULT_MODEL_FILES.embed)),
      chatIsDefault: e.CHAT_MODEL === undefined,
      embedIsDefault: e.EMBED_MODEL === undefined,
      threads: e.LLM_THREADS === 0 ? Math.max(1, os.availableParallelism()) : e.LLM_THREADS,
      contextSize: e.LLM_CONTEXT_SIZE,
      sequences: e.LLM_SEQUENCES,
      contexts: e.LLM_CONTEXTS,
      kvCacheType: e.LLM_KV_CACHE_TYPE,
      batchSize: e.LLM_BATCH_SIZE,
      mmap: e.LLM_MMAP,
      systemPrompt: e.SYSTEM_PROMPT,
    },
    prompt: {
      mergeOverlaps: e.PROMPT_MERGE_OVERLAPS,
      maxScoreGap: e.PROMPT_MAX_SCORE_GAP === 'off' ? null : e.PROMPT_MAX_SCORE_GAP,
      trimSentences: e.PROMPT_TRIM_SENTENCES,
      injectionGuard: e.PROMPT_INJECTION_GUARD,
    },
    chunking: { size: e.CHUNK_SIZE, overlap: e.CHUNK_OVERLAP, embedBatch: e.EMBED_BATCH },
    retrieval: { indexType: e.INDEX_TYPE, searchMode: e.SEARCH_MODE },
    ingest: { parseTimeoutMs: e.PARSE_TIMEOUT_MS, parseMaxMemoryMb: e.PARSE_MAX_MEMORY_MB, batchMax: e.INGEST_BATCH_MAX, batchWindowMs: e.INGEST_BATCH_WINDOW_MS },
    sources: { watchInbox: e.WATCH_INBOX, allowPrivateUrls: e.ALLOW_PRIVATE_URLS, fetchTimeoutMs: e.URL_FETCH_TIMEOUT_S * 1000 },
    ocr: { enabled: e.OCR === 'on', languages: e.OCR_LANGUAGES, maxPixels: e.OCR_MAX_PIXELS, maxPages: e.OCR_MAX_PAGES, pageTimeoutMs: e.OCR_PAGE_TIMEOUT_MS },
    limits: {
      storageBytes: e.MAX_STORAGE_MB * 1024 * 1024,
      pendingDocuments: e.MAX_PENDING_DOCUMENTS,
      pendingQuestionsPerClient: e.MAX_PENDING_QUESTIONS_PER_CLIENT,
      eventStreamsPerClient: e.MAX_EVENT_STREAMS_PER_CLIENT,
      failedUploadRetentionMs: e.FAILED_UPLOAD_RETENTION_HOURS * 3_600_000,
      chatRetentionMs: e.CHAT_RETENTION_DAYS === 'off' ? null : e.CHAT_RETENTION_DAYS * 86_400_000,
    },
    rateLimits: {
      askPerMinute: e.RATE_LIMIT_ASK_PER_MINUTE,
      askPerMinutePerAddress: e.RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS,
      uploadsPerHour: e.RATE_LIMIT_UPLOADS_PER_HOUR,
      uploadsPerHourPerAddress: e.RATE_LIMIT_UPLOADS_PER_HOUR_PER_ADDRESS,
    },
    answer: { timeoutMs: e.ANSWER_TIMEOUT_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    cli: { serviceUrl: (e.DOCENT_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''), token: e.DOCENT_TOKEN },
  };
  return deepFreeze(cfg);
}

function signInThrottleOf(e: RawConfig): LoginThrottleSettings {
  return {
    perNameAndAddress: e.SIGNIN_FAILURES_PER_NAME_AND_ADDRESS,
    perAddress: e.SIGNIN_FAILURES_PER_ADDRESS,
    perName: e.SIGNIN_FAILURES_PER_NAME,
    firstLockMs: e.SIGNIN_LOCK_SECONDS * 1000,
    maxLockMs: e.SIGNIN_LOCK_MAX_MINUTES * 60_000,
  };
}

let loaded: Config | undefined;

/** The process's configuration, parsed from process.env on first use. */
export function loadConfig(): Config {
  loaded ??= parseConfig(process.env);
  return loaded;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Native libraries read these when they load, so they are set before faiss-node or BLAS is first
 * imported (the adapters load them lazily). Busy-waiting OpenMP threads and a BLAS pool on top of
 * our own workers slowed search by large factors on 2-core machines (DESIGN.md section 6).
 */
export function applyNativeThreadingDefaults(): void {
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  process.env.OMP_NUM_THREADS ??= '1';
}
