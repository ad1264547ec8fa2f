/**
 * Unit-test stand-ins for the services the web layer depends on (src/web/services.ts, the ports in src/ports/). They keep
 * everything in memory, record what the web asked of them, and can be told to fail, so route tests
 * need no models, brokers or stores. Not for production use: the real services live in src/app/.
 */
import type { PrometheusMetrics } from '../../src/metrics/prometheus-metrics.ts';
import fs from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../../src/log.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { createWebApp } from '../../src/web/app.ts';
import type { Accounts } from '../../src/accounts/accounts.ts';
import type { OidcClient } from '../../src/accounts/oidc/oidc-client.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../../src/contracts/analytics-summary.ts';
import type { Source } from '../../src/contracts/source.ts';
import { InvalidInputError, UnavailableError } from '../../src/errors.ts';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import { createPassageService } from '../../src/chats/passages.ts';
import type { PassageService } from '../../src/ports/passage-service.ts';
import { parseDocument } from '../../src/ingest/parse-document.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import type { AnalyticsReader } from '../../src/ports/analytics-reader.ts';
import type { AnalyticsQualityData, QualityQuery } from '../../src/contracts/analytics-quality.ts';
import { createLocalAnalyticsReader } from '../../src/analytics/local-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import type { AskHandle, AskInput } from '../../src/ports/answer-service.ts';
import type { DocumentPage, DocumentPageQuery, DocumentView, UploadedFile, UploadResult } from '../../src/ports/document-service.ts';
import type { WebServices } from '../../src/web/services.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createCollectionService } from '../../src/documents/collection-service.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import type { CollectionService } from '../../src/ports/collection-service.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import { createFakeEmbedder } from './fake-embedder.ts';

export const FAKE_SOURCE: Source = {
  n: 1,
  documentId: 'doc-1',
  documentName: 'handbook.pdf',
  page: 2,
  text: 'The lighthouse keeper feeds the cat at 6 pm.',
  score: 0.83,
  chunkId: 'doc-1:0',
};

export function fakeDocument(over: Partial<DocumentView> = {}): DocumentView {
  return {
    id: 'doc-1',
    name: 'handbook.pdf',
    mediaType: 'application/pdf',
    size: 2048,
    status: 'ready',
    stage: 'indexed',
    progress: 1,
    pages: 3,
    chunks: 7,
    error: null,
    createdAt: Date.UTC(2025, 0, 1),
    updatedAt: Date.UTC(2025, 0, 1),
    ...over,
  };
}

export function emptySummary(range: AnalyticsRange): AnalyticsSummary {
  const none = { p50: null, p95: null };
  return {
    range,
    answers: 0,
    votes: { up: 0, down: 0 },
    satisfaction: null,
    latencyMs: { total: none, queueWait: none, retrieval: none, firstToken: none, generation: none },
    sentiment: { question: null, answer: null },
    tokensPerSecond: null,
    series: { stepMs: 3_600_000, points: [] },
    sentimentBands: [],
    recent: [],
  };
}

/** The replies a normal answer streams: sources, two tokens, done. */
export function scriptedReplies(answerId: string): AnswerReply[] {
  const answer = 'At 6 pm [1].';
  return [
    { v: 1, answerId, type: 'sources', attempt: 1, worker: 'fake-worker', sources: [FAKE_SOURCE] },
    { v: 1, answerId, type: 'token', seq: 0, text: 'At 6 ' },
    { v: 1, answerId, type: 'token', seq: 1, text: 'pm [1].' },
    {
      v: 1,
      answerId,
      type: 'done',
      answer,
      sources: [FAKE_SOURCE],
      worker: 'fake-worker',
      model: 'fake-model',
      tokens: { prompt: 10, completion: 4 },
      timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 4, totalMs: 10 },
    },
  ];
}

export class FakeServices implements WebServices {
  docs: DocumentView[] = [];
  uploads: UploadedFile[][] = [];
  /** When set, upload() throws InvalidInputError with this message (after checking files exist). */
  rejectUpload: string | undefined;
  asked: AskInput[] = [];
  signals: AbortSignal[] = [];
  /** When set, ask() throws UnavailableError (queue full). */
  busy = false;
  /** Replies for the next answers; default scriptedReplies(). */
  replies: (answerId: string) => AnswerReply[] = scriptedReplies;
  /** Milliseconds between replies (to test streaming and disconnects). */
  replyDelayMs = 0;
  /** Set when the reply iterator was closed early (client went away). */
  cancelled = false;
  votesCast: { answerId: string; vote: 'up' | 'down'; userId?: string | undefined }[] = [];
  /** The summary the analytics reader returns; `collection` is the resolved id of a filter. */
  summaryFor: (range: AnalyticsRange, collection?: string) => AnalyticsSummary = emptySummary;
  /** Answers the analytics reader holds (detail and CSV export). */
  analyticsAnswers: AnalyticsAnswer[] = [];
  /** A real (in-memory) analytics store behind the quality reads; tests record qa and vote events into it. */
  private qualityStoreOpened: AnalyticsStore | undefined;
  get qualityStore(): AnalyticsStore {
    this.qualityStoreOpened ??= openAnalyticsStore(':memory:');
    return this.qualityStoreOpened;
  }
  readinessChecks: Record<string, string> = { index: 'ok', chatModel: 'ok' };
  degradedChecks: Record<string, string> = { analyticsEvents: 'ok' };
  hits: SearchHit[] = [
    { ...FAKE_SOURCE, start: 0, end: 44 },
  ];
  /** Ids passed to documents.delete(). */
  deleted: string[] = [];
  /** The collection each upload() was asked to put its files into (undefined: none named). */
  uploadCollections: Array<string | undefined> = [];
  /** The collection id of each reindex() call (undefined: every collection). */
  reindexed: Array<string | undefined> = [];
  /** Collections passed to search.search(). */
  searchedIn: Array<readonly string[] | undefined> = [];
  /** The real collection service over an in-memory registry and bus (route tests inspect `jobs`). */
  readonly registry = new DocumentRegistry(':memory:');
  /** Messages sent on the in-memory bus (delete and copy jobs of the collection service). */
  readonly jobs: unknown[] = [];
  private readonly bus: MessageBus = recordingBus(this.jobs);
  private listeners = new Set<(doc: DocumentView) => void>();

  /** documents.onChange listeners currently subscribed. */
  get changeListeners(): number {
    return this.listeners.size;
  }

  /** Tells documents.onChange listeners about a change, as the ingest events would. */
  emitChange(doc: DocumentView): void {
    for (const l of this.listeners) l({ ...doc });
  }
  private nextId = 1;

  documents = {
    upload: async (files: UploadedFile[], opts?: { collectionId?: string | undefined }): Promise<UploadResult[]> => {
      this.uploadCollections.push(opts?.collectionId);
      // The real service moves the temp files; the tests check they existed, then drop them.
      for (const f of files) await fs.access(f.tempPath);
      if (this.rejectUpload !== undefined) throw new InvalidInputError(this.rejectUpload);
      this.uploads.push(files);
      for (const f of files) await fs.rm(f.tempPath, { force: true });
      return files.map((f) => {
        const doc = fakeDocument({ id: `doc-${++this.nextId}`, name: f.originalName, size: f.size, status: 'queued', stage: 'stored', progress: 0, pages: null, chunks: null });
        this.docs.push(doc);
        for (const l of this.listeners) l(doc);
        return { id: doc.id, name: doc.name, status: doc.status, duplicate: false };
      });
    },
    delete: (id: string): Promise<DocumentView | undefined> => {
      const doc = this.docs.find((d) => d.id === id);
      if (!doc) return Promise.resolve(undefined);
      this.deleted.push(id);
      doc.status = 'deleting';
      doc.stage = 'deleting';
      this.emitChange(doc);
      return Promise.resolve({ ...doc });
    },
    reindex: (opts?: { collectionId?: string | undefined }): Promise<DocumentView[]> => {
      const only = opts?.collectionId;
      this.reindexed.push(only);
      return Promise.resolve(this.docs.filter((d) => only === undefined || (d.collections ?? []).includes(only)).map((d) => ({ ...d, status: 'queued' as const })));
    },
    list: (): DocumentView[] => [...this.docs],
    /**
     * A stand-in for the registry's keyset pages over `docs`: the filters and sorts, and an offset
     * as the cursor. The real paging (SQL, stable cursors) is tested against the registry
     * (documents-page.test.ts), and the web's paging routes run over the real service.
     */
    page: (query: DocumentPageQuery): DocumentPage => {
      const key = (d: DocumentView): Array<string | number> =>
        query.sort === 'name' ? [d.name.toLowerCase()] : query.sort === 'status' ? [d.status, d.name.toLowerCase()] : query.sort === 'size' ? [d.size] : [d.createdAt];
      const cmp = (a: DocumentView, b: DocumentView): number => {
        const [ka, kb] = [[...key(a), a.id], [...key(b), b.id]];
        const i = ka.findIndex((v, n) => v !== kb[n]);
        return i < 0 ? 0 : (ka[i]! < kb[i]! ? -1 : 1) * (query.order === 'asc' ? 1 : -1);
      };
      const q = query.q?.toLowerCase();
      const matching = this.docs
        .filter((d) => (q === undefined || d.name.toLowerCase().includes(q)) && (query.status === undefined || d.status === query.status))
        .filter((d) => query.collectionId === undefined || (d.collections ?? []).includes(query.collectionId))
        .filter((d) => query.inCollections === undefined || (d.collections ?? []).some((c) => query.inCollections!.includes(c)))
        .sort(cmp);
      const from = query.cursor === undefined ? 0 : Number(query.cursor.replace(/^fake:/, ''));
      if (!Number.isInteger(from)) throw new InvalidInputError('cursor must be the "next" of a previous page.');
      const documents = matching.slice(from, from + query.limit);
      return { documents, next: from + query.limit < matching.length ? `fake:${from + query.limit}` : null, total: matching.length };
    },
    get: (id: string): DocumentView | undefined => this.docs.find((d) => d.id === id),
    onChange: (listener: (doc: DocumentView) => void): (() => void) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };

  search = {
    search: (_query: string, k: number, collections?: readonly string[]): Promise<SearchHit[]> => {
      this.searchedIn.push(collections);
      return Promise.resolve(this.hits.slice(0, k));
    },
  };

  collections: CollectionService = createCollectionService({ registry: this.registry, documents: this.documents, bus: this.bus, logger: pino({ level: 'silent' }) });

  answers = {
    ask: (input: AskInput, signal?: AbortSignal): Promise<AskHandle> => {
      if (this.busy) return Promise.reject(new UnavailableError('Every answer worker is busy. Try again shortly.', { retryAfterSeconds: 7 }));
      this.asked.push(input);
      if (signal) this.signals.push(signal);
      const answerId = `answer-${this.asked.length}`;
      const replies = this.replies(answerId);
      const delay = this.replyDelayMs;
      const onCancel = (): void => {
        this.cancelled = true;
      };
      async function* generate(): AsyncGenerator<AnswerReply> {
        let all = false;
        try {
          for (const r of replies) {
            if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
            yield r;
          }
          all = true;
        } finally {
          // Closed before the last reply: the consumer broke out (client went away).
          if (!all) onCancel();
        }
      }
      return Promise.resolve({ answerId, chatId: input.chatId ?? 'chat-1', replies: generate() });
    },
  };

  /** A real chat store in memory: the ask routes record turns into it. */
  chats = new SqliteChatStore(':memory:');
  /** Where passages are read from: startTestServer points it at its data dir's uploads. */
  uploadsDir = os.tmpdir();
  private passageService: PassageService | undefined;
  /** The real passage service over the fake documents, parsing in-process (made on first use, after uploadsDir is set). */
  get passages(): PassageService {
    this.passageService ??= createPassageService({ documents: this.documents, chats: this.chats, uploadsDir: this.uploadsDir, parse: (b, t) => parseDocument(b, t) });
    return this.passageService;
  }


  votes = {
    vote: (answerId: string, vote: 'up' | 'down', userId?: string): Promise<void> => {
      this.votesCast.push({ answerId, vote, ...(userId === undefined ? {} : { userId }) });
      return Promise.resolve();
    },
  };

  analytics: AnalyticsReader = {
    summary: (range: AnalyticsRange, collection?: string): Promise<AnalyticsSummary> => Promise.resolve(this.summaryFor(range, collection)),
    answer: (answerId: string): Promise<AnalyticsAnswer | undefined> => Promise.resolve(this.analyticsAnswers.find((a) => a.answerId === answerId)),
    answers: (_range: AnalyticsRange, limit: number): Promise<AnalyticsAnswerRow[]> => Promise.resolve(this.analyticsAnswers.slice(0, limit)),
    // Pages of 2, so the streamed export is exercised across page boundaries.
    exportAnswers: (_range: AnalyticsRange, collection?: string): AsyncGenerator<AnalyticsAnswerRow[], void, undefined> =>
      pagesOfTwo(this.analyticsAnswers.filter((a) => collection === undefined || (a.collections ?? []).includes(collection))),
    quality: (range: AnalyticsRange, query: QualityQuery, collection?: string): Promise<AnalyticsQualityData> =>
      createLocalAnalyticsReader(this.qualityStore).quality(range, query, collection),
  };

  /** The fake embedder; counts one token per word (POST /v1/embeddings). */
  embedder = {
    ...createFakeEmbedder(),
    countTokens: (texts: string[]): Promise<number> => Promise.resolve(texts.reduce((n, t) => n + (t.match(/\S+/g)?.length ?? 0), 0)),
  };

  readiness = {
    check: (): Promise<Record<string, string>> => Promise.resolve({ ...this.readinessChecks }),
    degraded: (): Record<string, string> => ({ ...this.degradedChecks }),
  };
}

export interface TestServer {
  url: string;
  services: FakeServices;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts the web app on 127.0.0.1, port 0, with fake services and a fresh data dir.
 * `env` overrides configuration variables (e.g. MAX_UPLOAD_MB); `accounts` turns sign-in on once it holds users.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  services = new FakeServices(),
  logger: Logger = pino({ level: 'silent' }),
  accounts?: Accounts,
  metrics?: PrometheusMetrics,
  oidc?: OidcClient,
): Promise<TestServer> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-web-'));
  const config = parseConfig({ DATA_DIR: dataDir, VECTORSTORE_DIR: path.join(dataDir, 'vs'), ...env });
  services.uploadsDir = config.paths.uploads;
  const app = createWebApp({ services, config, logger, accounts, oidc, ...(metrics ? { metrics } : {}) });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    services,
    config,
    dataDir,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      services.chats.close();
      services.registry.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function* pagesOfTwo(rows: readonly AnalyticsAnswerRow[]): AsyncGenerator<AnalyticsAnswerRow[], void, undefined> {
  for (let i = 0; i < rows.length; i += 2) yield await Promise.resolve(rows.slice(i, i + 2));
}

/** An in-memory bus whose queue sends are recorded in `sent` (nothing consumes them). */
function recordingBus(sent: unknown[]): MessageBus {
  const bus = createMemoryMessageBus({ logger: pino({ level: 'silent' }) });
  return { ...bus, kind: bus.kind, health: () => bus.health(), send: (_queue, body) => Promise.resolve(void sent.push(body)) };
}
