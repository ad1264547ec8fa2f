/**
 * What the answer evaluations share (eval-answers.ts, eval-injection.ts): an index built from a
 * folder of plain-text documents through the real ingest pipeline, and Docent all-in-one started
 * as a real process (src/bin/start.ts: in-process bus, one answer worker) on that index, asked
 * through POST /api/ask.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AnswerDone } from '../src/contracts/answer.ts';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../src/contracts/ingest.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { QUESTION_LIMITS_OFF, freePort, startRole, waitForHttp, type RoleProcess } from '../tests/support/processes.ts';

/** Ingests `docs` (file names in `docsDir`, plain text) into a new index at `vsDir`; returns the chunk count and the embedder's name. */
export async function buildIndex(docsDir: string, docs: readonly string[], vsDir: string, embedModel: string): Promise<{ chunks: number; embedder: string }> {
  const embedder = await createOnnxEmbedder(embedModel, { threads: 2 });
  const store = await openFaissStore({
    dir: vsDir,
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: 1000, chunkOverlap: 150 },
  });
  let chunks = 0;
  try {
    for (const doc of docs) {
      const storedPath = path.join(docsDir, doc);
      const bytes = await fs.readFile(storedPath);
      const documentId = createHash('sha256').update(bytes).digest('hex');
      const job: IngestJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), documentId, storedPath, name: doc, mediaType: 'text/plain', size: bytes.length };
      chunks += (await ingestDocument(job, { embedder, store, chunking: { size: 1000, overlap: 150, embedBatch: 32 } })).chunks;
    }
  } finally {
    await store.close();
    await embedder.close();
  }
  return { chunks, embedder: embedder.modelName };
}

export interface EvalService {
  process: RoleProcess;
  /** POST /api/ask; throws unless it answered 200 with an answer. */
  ask(question: string, settings: Record<string, number>): Promise<Pick<AnswerDone, 'answer' | 'sources'> & { tokens?: { prompt: number } }>;
}

/** Starts all-in-one on the index at `vsDir` with `env` on top (e.g. PROMPT_* settings); ready when this resolves. */
export async function startService(tmp: string, name: string, vsDir: string, models: { chat: string; embed: string }, env: Record<string, string>): Promise<EvalService> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startRole('all-in-one', 'start.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(tmp, `data-${name}`),
    VECTORSTORE_DIR: vsDir,
    INGEST_INBOX: path.join(tmp, 'inbox'),
    CHAT_MODEL: models.chat,
    EMBED_MODEL: models.embed,
    AMQP_URL: '',
    KAFKA_BROKERS: '',
    LOG_LEVEL: 'warn',
    ANSWER_TIMEOUT_MS: '600000',
    ...QUESTION_LIMITS_OFF,
    ...env,
  });
  try {
    await waitForHttp(`${base}/readyz`, 300_000, [proc]);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    process: proc,
    async ask(question, settings) {
      const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question, settings }) });
      const body = (await res.json()) as { answer?: string; error?: string; sources?: AnswerDone['sources']; tokens?: { prompt: number } };
      if (res.status !== 200 || typeof body.answer !== 'string') throw new Error(`POST /api/ask answered ${res.status}: ${JSON.stringify(body)}`);
      return { answer: body.answer, sources: body.sources ?? [], ...(body.tokens ? { tokens: body.tokens } : {}) };
    },
  };
}

/**
 * On Ctrl-C or SIGTERM: stops the service the evaluation started (`current()`), removes `tmp`, and
 * exits, so an interrupted run leaves no Docent process holding its port and models.
 */
export function stopOnSignal(current: () => RoleProcess | undefined, tmp: string): void {
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`${signal}: stopping the service and removing ${tmp}\n`);
    void (async () => {
      await current()?.stop().catch(() => undefined);
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
