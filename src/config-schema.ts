/**
 * The configuration's variables: their names (the environment variable names), defaults and
 * ranges, as one zod schema. src/config.ts parses the environment with it into the typed Config;
 * nothing else uses it directly.
 */
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A rate limit: a count, or `off` (= 0, no limit). */
const limitOrOff = z.union([z.literal('off').transform(() => 0), int(0, 10_000_000)]);
/**
 * An allowance of the sign-in throttle: 1..max, never `0`/`off` (without the throttle a password
 * could be guessed online as fast as the server answers; a deployment that needs more room raises it).
 */
const NO_OFF = 'must be a whole number of at least 1: the sign-in throttle cannot be turned off, only raised';
const signInAllowance = (max: number) => z.coerce.number({ invalid_type_error: NO_OFF }).int(NO_OFF).min(1, NO_OFF).max(max, `must be at most ${max}`);

/** The default models' names inside MODELS_DIR; `npm start` fetches them there when missing. */
export const DEFAULT_MODEL_FILES = {
  chat: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
  embed: 'bge-small-en-v1.5',
} as const;

/** Variables, their defaults and their ranges. Names are the environment variable names. */
export const schema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  ANALYTICS_PORT: int(0, 65535).default(3002),
  /**
   * Host names (Host header, without the port) this service answers to; anything else gets 421, so a
   * DNS-rebinding page cannot reach it. Comma-separated; a leading dot allows subdomains
   * (`.example.com`); `*` turns the check off. Default: the loopback names, plus HOST when it is a
   * specific address.
   */
  ALLOWED_HOSTS: z.string().optional(),
  /**
   * Origins (scheme://host[:port]) besides the service's own that may send state-changing
   * requests from a browser, e.g. a public URL behind a proxy that rewrites the Host header.
   */
  ALLOWED_ORIGINS: z.string().optional(),
  /**
   * Secret that signs the per-session request tokens (at least 32 characters). Default: a random one
   * kept in DATA_DIR/session-secret, so web processes that share DATA_DIR agree.
   */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** PEM certificate (chain) and private key files: set both and the web serves HTTPS itself. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  /** Sign-in: `auto` requires it once a user exists (`npm run users -- add`); `off` never does (README, Accounts). */
  AUTH: z.enum(['auto', 'off']).default('auto'),
  /** A signed-in session ends after this many minutes without a request (default 7 days). */
  SESSION_IDLE_MINUTES: int(5, 525_600).default(10_080),
  /** A signed-in session ends this many days after sign-in, however active (default 30). */
  SESSION_MAX_DAYS: int(1, 365).default(30),
  /** Self sign-up: `off`, `invite` (single-use links from an admin) or `open` (anyone; docs/accounts.md, Sign-up). */
  SIGNUP: z.enum(['off', 'invite', 'open']).default('off'),
  /** An invite link works this many hours after it is made (default 3 days). */
  INVITE_TTL_HOURS: int(1, 8760).default(72),
  /** Single sign-on through OpenID Connect (src/accounts/oidc-settings.ts; docs/accounts.md, Single sign-on). */
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URL: z.string().url().optional(),
  OIDC_DEFAULT_ROLE: z.enum(['member', 'admin']).default('member'),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_PROVIDER_NAME: z.string().min(1).max(60).optional(),
  OIDC_ADMIN_GROUPS: z.string().optional(),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  /** Base URL of a separate analytics process; unset means the web reads the store in-process. */
  ANALYTICS_URL: z.string().url().optional(),
  /** Port of /metrics on an answer worker, ingest worker or analytics process; unset = not served (the web serves /metrics on PORT). */
  METRICS_PORT: int(1, 65535).optional(),
  /** OTLP/HTTP collector base URL (…:4318); spans go to <url>/v1/traces. Unset = tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  WORKER_ID: z.string().min(1).optional(),

  DATA_DIR: z.string().default('data'),
  VECTORSTORE_DIR: z.string().default('vectorstore'),
  MODELS_DIR: z.string().default('models'),
  INGEST_INBOX: z.string().default('ingest'),
  /** Watch INGEST_INBOX in the web process: new/changed files ingested, deleted ones removed (src/sources/inbox-watcher.ts). */
  WATCH_INBOX: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Let "Add a web page" reach private, loopback and link-local addresses (src/sources/address-policy.ts). */
  ALLOW_PRIVATE_URLS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Seconds a web page fetch may take in all (redirects included). */
  URL_FETCH_TIMEOUT_S: int(1, 600).default(30),

  AMQP_URL: z.string().url().optional(),
  /** Prefix for every queue and exchange name: keeps test runs and deployments apart on one broker. */
  AMQP_PREFIX: z.string().regex(/^[\w.-]*$/).default(''),
  ANSWER_QUEUE_MAX_LENGTH: int(1, 1_000_000).default(1000),
  /** Deliveries of a queued question or ingest job before a retryable failure is given up (dead-lettered). */
  RETRY_MAX_ATTEMPTS: int(1, 100).default(3),
  /** Wait before a failed question or job is offered again; doubles per attempt up to RETRY_BACKOFF_MAX_MS. */
  RETRY_BACKOFF_MS: int(0, 3_600_000).default(500),
  RETRY_BACKOFF_MAX_MS: int(0, 3_600_000).default(10_000),
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_CLIENT_ID: z.string().default('docent'),
  /** Prefix for every Kafka topic and consumer group. */
  KAFKA_PREFIX: z.string().regex(/^[\w.-]*$/).default(''),

  /** Default: the default chat model inside MODELS_DIR. */
  CHAT_MODEL: z.string().optional(),
  /** Default: the default embedding model inside MODELS_DIR. */
  EMBED_MODEL: z.string().optional(),
  /** CPU threads for generation; 0 means "cores available to this process". */
  LLM_THREADS: int(0, 256).default(0),
  LLM_CONTEXT_SIZE: int(256, 131072).default(4096),
  /** Sequences one answer worker generates at once; also its RabbitMQ prefetch. */
  LLM_SEQUENCES: int(1, 16).default(1),
  /**
   * Contexts the sequences are spread over, each with its share of LLM_THREADS; 0 means one per
   * thread (at most one per sequence). See src/llm/context-layout.ts for why.
   */
  LLM_CONTEXTS: int(0, 16).default(0),
  /** Element type of the KV cache: f16 prefills fastest; q8_0 halves its memory (src/llm/context-options.ts). */
  LLM_KV_CACHE_TYPE: z.enum(['f16', 'q8_0', 'q4_0']).default('f16'),
  /** Tokens per llama.cpp decode; 0 means the context size (a whole prompt in one batch). */
  LLM_BATCH_SIZE: int(0, 131072).default(0),
  /** Map the GGUF file instead of reading it; off by default (see models/README.md, memory). */
  LLM_MMAP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  SYSTEM_PROMPT: z.string().optional(),
  /** Prompt compaction (src/answer/compact-passages.ts): overlapping chunks of a document sent as one passage. */
  PROMPT_MERGE_OVERLAPS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Adaptive k: passages whose similarity is more than this below the best one's are left out (unless the word search found them relevant); `off` keeps all k. */
  PROMPT_MAX_SCORE_GAP: z.union([z.literal('off'), z.coerce.number().min(0).max(2)]).default(0.1),
  /** Each passage shown to the model trimmed to the sentences that bear on the question. */
  PROMPT_TRIM_SENTENCES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Passages that read as instructions to the assistant (src/answer/injection-guard.ts): kept out of the prompt, marked, or not looked for. */
  PROMPT_INJECTION_GUARD: z.enum(['drop', 'mark', 'off']).default('drop'),

  CHUNK_SIZE: int(100, 8000).default(1000),
  CHUNK_OVERLAP: int(0, 4000).default(150),
  EMBED_BATCH: int(1, 512).default(32),
  /** FAISS index: flat (exact) or hnsw (approximate, for large collections); see src/retrieval/index-kind.ts. */
  INDEX_TYPE: z.enum(['flat', 'hnsw']).default('flat'),
  /** Search mode of the search API/page and the answer worker's retrieval; see src/retrieval/search-modes.ts. */
  SEARCH_MODE: z.enum(['hybrid', 'dense', 'lexical']).default('hybrid'),
  MAX_UPLOAD_MB: int(1, 4096).default(50),
  /** Bound on stored bytes: the uploads directory plus the upload temp dir (<DATA_DIR>/tmp). */
  MAX_STORAGE_MB: int(1, 16_777_216).default(10_240),
  /** Documents queued or being ingested at once; further uploads get 503 + Retry-After. */
  MAX_PENDING_DOCUMENTS: int(1, 1_000_000).default(1000),
  /** Questions one client (remote address) may have in flight in the web; past it, 429. */
  MAX_PENDING_QUESTIONS_PER_CLIENT: int(1, 100_000).default(10),
  /** Open event streams (GET /api/documents/events) per client (remote address); past it, 429. */
  MAX_EVENT_STREAMS_PER_CLIENT: int(1, 10_000).default(8),
  /** Questions per minute per signed-in user / per address, and files uploaded (or pages imported) per hour; past it, 429 + Retry-After (src/web/rate-limits.ts). 0 or `off`: no limit. */
  RATE_LIMIT_ASK_PER_MINUTE: limitOrOff.default(30),
  RATE_LIMIT_ASK_PER_MINUTE_PER_ADDRESS: limitOrOff.default(120),
  RATE_LIMIT_UPLOADS_PER_HOUR: limitOrOff.default(200),
  RATE_LIMIT_UPLOADS_PER_HOUR_PER_ADDRESS: limitOrOff.default(1000),
  /** Failed sign-ins allowed per user name and address, per address, per name before a lock (src/accounts/login-throttle.ts); at least 1. */
  SIGNIN_FAILURES_PER_NAME_AND_ADDRESS: signInAllowance(1000).default(5),
  SIGNIN_FAILURES_PER_ADDRESS: signInAllowance(1_000_000).default(20),
  SIGNIN_FAILURES_PER_NAME: signInAllowance(1_000_000).default(50),
  /** The first sign-in lock past an allowance, doubling per further failure up to SIGNIN_LOCK_MAX_MINUTES. */
  SIGNIN_LOCK_SECONDS: int(1, 3600).default(30),
  SIGNIN_LOCK_MAX_MINUTES: int(1, 1440).default(15),
  /** Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: a hop count or addresses/CIDRs/`loopback` (Express's 'trust proxy'); `off` (default) believes none. */
  TRUST_PROXY: z.string().default('off'),
  /** Hours a failed document (its row and stored file) is kept before it is removed. */
  FAILED_UPLOAD_RETENTION_HOURS: int(1, 87_600).default(24),
  /** Days after its last question or answer a chat is deleted (src/chats/chat-retention.ts); `off` keeps chats. */
  CHAT_RETENTION_DAYS: z.union([z.literal('off'), int(1, 36_500)]).default('off'),
  /** Longest one document may take to parse (in its own child process) before its job fails. */
  PARSE_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  /** Total memory one parse child may use (resident set, not only its JS heap); a warmed PDF child holds ~340 MB. */
  PARSE_MAX_MEMORY_MB: int(512, 65_536).default(960),
  /** Scans and images read by OCR (src/ingest/ocr/): `off` refuses images and scanned pages stay unread. */
  OCR: z.enum(['on', 'off']).default('on'),
  /** Tesseract languages joined with `+` (e.g. `eng+deu`); each needs its tesseract-ocr-<lang> package (checked at start). */
  OCR_LANGUAGES: z.string().regex(/^[A-Za-z_]+(\+[A-Za-z_]+)*$/, 'must be Tesseract language codes joined with "+", e.g. eng+deu').default('eng'),
  /** Largest image or rendered page OCR reads, in pixels (width x height); larger images are refused unread. */
  OCR_MAX_PIXELS: int(1_000_000, 1_000_000_000).default(100_000_000),
  /** Most pages one document may have read by OCR (PDF pages without text, TIFF pages). */
  OCR_MAX_PAGES: int(1, 100_000).default(500),
  /** Longest one page's OCR may take; also added to PARSE_TIMEOUT_MS for every page read by OCR. */
  OCR_PAGE_TIMEOUT_MS: int(1000, 3_600_000).default(60_000),
  /** Ingested documents saved together as one index version while more jobs wait (src/ingest/index-batch.ts); the ingest queue's prefetch is twice this. */
  INGEST_BATCH_MAX: int(1, 1000).default(32),
  /** Longest a document waits, once indexed in memory, for others to join its index version. */
  INGEST_BATCH_WINDOW_MS: int(0, 60_000).default(1000),
  MAX_QUESTION_CHARS: int(10, 100_000).default(2000),
  ANSWER_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(15_000),
  /** Where the command-line tools (ingest, search) find a running Docent; default http://127.0.0.1:PORT. */
  DOCENT_URL: z.string().url().optional(),
  /** Personal API token the command-line tools send (Authorization: Bearer) when sign-in is on. */
  DOCENT_TOKEN: z.string().min(1).optional(),
});

export type RawConfig = z.infer<typeof schema>;
