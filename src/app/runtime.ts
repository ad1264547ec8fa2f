/**
 * One process's shared resources, created on first use and closed in reverse order: the message
 * bus and event log, the embedder, the vector store, the chat model, the analytics store. In the
 * all-in-one mode every role takes them from one Runtime, so the roles share one in-process bus,
 * one loaded model and one index.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { createMessaging } from '../adapters/create-messaging.ts';
import { analyticsDbPath, openAnalyticsStore, type AnalyticsStore } from '../analytics/store.ts';
import { applyNativeThreadingDefaults, type Config } from '../config.ts';
import { indexUpdateSchema } from '../contracts/ingest.ts';
import { EXCHANGES } from '../contracts/names.ts';
import { createLlamaChatModel } from '../llm/llama-chat-model.ts';
import { createThreadedEmbedder } from '../llm/embedder-thread.ts';
import { defaultChatModel, defaultEmbedModel } from '../models/catalog.ts';
import { verifyModelFiles } from '../models/verify.ts';
import type { Logger } from '../log.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import type { IndexManifest, VectorStore } from '../ports/vector-store.ts';
import { openFaissStore } from '../retrieval/faiss-store.ts';
import { Closer } from './closer.ts';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { CollectionStores } from '../retrieval/collection-stores.ts';
import { openGuardedStore } from '../retrieval/guarded-store.ts';

export class Runtime {
  readonly closer: Closer;
  private readonly memo = new Map<string, Promise<unknown>>();
  private registry: PrometheusMetrics | undefined;
  /** Set once METRICS_PORT is being served (src/app/observe.ts). */
  metricsServed = false;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {
    this.closer = new Closer(logger.child({ component: 'shutdown' }));
    applyNativeThreadingDefaults();
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = make();
      this.memo.set(key, p);
    }
    return p;
  }

  /** The process's one metrics registry: every role of the process reports into it. */
  get metrics(): PrometheusMetrics {
    return (this.registry ??= new PrometheusMetrics());
  }

  messaging(): Promise<{ bus: MessageBus; events: EventLog }> {
    return this.once('messaging', async () => {
      const m = await createMessaging(this.config, this.logger.child({ component: 'messaging' }));
      this.closer.add('event log', () => m.events.close());
      this.closer.add('message bus', () => m.bus.close());
      return m;
    });
  }

  /**
   * The process's one embedder. `bulk` (the ingest role) keeps onnxruntime's spinning threads for
   * back-to-back runs; otherwise the threads sleep between the short query embeddings so they do
   * not take the cores from generation. The first caller decides: in the all-in-one process the
   * ingest role starts before the answer worker and the web.
   */
  embedder(use: 'bulk' | 'queries' = 'queries'): Promise<Embedder> {
    return this.once('embedder', async () => {
      await this.verifyDefault('embed');
      const e = await createThreadedEmbedder(this.config.models.embed, { threads: this.config.models.threads, spinWait: use === 'bulk' });
      this.closer.add('embedder', () => e.close());
      this.logger.info({ model: e.modelName, modelId: e.modelId, dimensions: e.dimensions }, 'embedding model loaded');
      return e;
    });
  }

  /**
   * The ingest worker's second session of the embedding model, one thread narrower, for the chunks
   * it embeds while their PDF is still being read in the parse child: the parse then has a core to
   * itself instead of pre-empting one of the embedder's threads (pipeline.ts). None with one thread.
   */
  embedderWhileParsing(): Promise<Embedder | null> {
    return this.once('embedder-while-parsing', async () => {
      const threads = this.config.models.threads;
      if (threads < 2) return null;
      const e = await createThreadedEmbedder(this.config.models.embed, { threads: threads - 1, spinWait: true });
      this.closer.add('embedder while parsing', () => e.close());
      return e;
    });
  }

  /** A default model (CHAT_MODEL / EMBED_MODEL unset) must be the pinned file; one of the operator's own is used as it is. */
  private verifyDefault(kind: 'chat' | 'embed'): Promise<void> {
    return this.once(`verify-${kind}`, async () => {
      const m = this.config.models;
      if (kind === 'chat' && m.chatIsDefault) await verifyModelFiles(defaultChatModel(m.chat).files);
      if (kind === 'embed' && m.embedIsDefault) await verifyModelFiles(defaultEmbedModel(m.embed).files);
    });
  }

  chat(): Promise<ChatModel> {
    return this.once('chat', async () => {
      await this.verifyDefault('chat');
      const m = this.config.models;
      const c = await createLlamaChatModel({
        modelPath: m.chat,
        threads: m.threads,
        contextSize: m.contextSize,
        sequences: m.sequences,
        contexts: m.contexts,
        kvCacheType: m.kvCacheType,
        batchSize: m.batchSize,
        mmap: m.mmap,
      });
      this.closer.add('chat model', () => c.close());
      this.logger.info({ model: c.name, threads: m.threads, sequences: c.sequences, contextSize: c.contextSize }, 'chat model loaded');
      return c;
    });
  }

  /** What the configured embedder and chunker produce: a stored index built otherwise is refused. */
  async storeManifest(): Promise<IndexManifest> {
    const embedder = await this.embedder();
    const { size, overlap } = this.config.chunking;
    return { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: size, chunkOverlap: overlap };
  }

  /**
   * A FAISS store in `dir` for the configured embedder and chunker: the live index, or a re-index's
   * fresh copy; `version` loads that version instead of the live one (a stale reader, guarded-store.ts).
   */
  async openStoreAt(dir: string, version?: string): Promise<VectorStore> {
    return openFaissStore({ dir, manifest: await this.storeManifest(), indexType: this.config.retrieval.indexType, ...(version ? { version } : {}) });
  }

  /**
   * The collections' vector indexes (one per collection, retrieval/collection-stores.ts); they
   * reload when another process announces a new version. An index built by another embedding model
   * does not stop the process: that collection's store waits for a re-index
   * (src/retrieval/guarded-store.ts) and says so in the log and in `reindexNeeded`; or, when the
   * process has (or finds) a version of its own model, serves that one read-only meanwhile
   * (src/retrieval/stale-index.ts) and says so in `stale`.
   */
  stores(): Promise<CollectionStores> {
    return this.once('stores', async () => {
      const { bus } = await this.messaging();
      await fs.mkdir(this.config.paths.vectorstore, { recursive: true });
      const manifest = await this.storeManifest();
      const log = this.logger.child({ component: 'index' });
      const open = (dir: string) => openGuardedStore(() => this.openStoreAt(dir), { dir, manifest, openVersion: (v) => this.openStoreAt(dir, v), log });
      const stores = new CollectionStores({ root: this.config.paths.vectorstore, open });
      this.closer.add('vector stores', () => stores.close());
      await stores.openAll();
      const sub = await bus.subscribe(EXCHANGES.indexUpdates, async (body) => {
        const parsed = indexUpdateSchema.safeParse(body);
        // A collection this process has not opened yet is opened (at its new version) when searched.
        if (await stores.reload()) log.info({ collectionId: parsed.success ? parsed.data.collectionId : undefined, chunks: stores.size }, 'index version loaded');
      });
      this.closer.add('index updates', () => sub.cancel());
      const { blocked, stale } = stores.health();
      if (blocked !== null) log.error({ reindexNeeded: blocked }, 'index needs a re-index: search is unavailable until it is rebuilt');
      else log.info({ chunks: stores.size, ...(stale !== null ? { stale } : {}) }, stale !== null ? 'indexes opened, some serving an older version' : 'indexes opened');
      return stores;
    });
  }

  analyticsStore(): Promise<AnalyticsStore> {
    return this.once('analytics-store', async () => {
      const file = analyticsDbPath(this.config.paths.data);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const s = openAnalyticsStore(file);
      this.closer.add('analytics store', () => s.close());
      return s;
    });
  }

  close(): Promise<void> {
    return this.closer.close();
  }
}
