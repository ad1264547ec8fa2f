/**
 * `npm run bench:answer`: the answer path as real processes (web + one answer worker over the real
 * RabbitMQ at AMQP_URL, default the local one) against node-llama-cpp called directly in this
 * process, in the same run, with the small test chat model (SmolLM2-135M-Instruct, Q4_1) and the
 * small test embedder (tests/support/test-models.ts).
 *
 * - Overhead: the same prompt (the worker's own buildPrompt over the same index), seed and max
 *   tokens; POST /api/ask to the `done` event against ChatModel.generate, alternating run by run.
 *   Reports the ratio of total times and the time to first token added.
 * - Throughput: aggregate generated tokens/s with 1, 2 and 4 questions at once on the one worker
 *   (LLM_SEQUENCES=4, contexts laid out as the product does: one per thread), and, for reference,
 *   the direct model with every thread in one context (LLM_CONTEXTS=1) and llama.cpp's own gain
 *   from decoding four tokens per batch instead of one (decode-ceiling.ts), the bound on that.
 * - Memory: the worker's peak RSS (VmHWM) against the model file's size.
 * Both sides use the same threads (LLM_THREADS, default 2), context size and sequence count.
 * `npm run bench:answer-1b-shape` runs the same with a model shaped like the default Llama-3.2-1B
 * (random weights, synthetic-model.ts) into bench/results/answer-1b-shape.json.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { INGEST_CONTRACT_VERSION } from '../src/contracts/ingest.ts';
import type { Settings } from '../src/contracts/settings.ts';
import { DEFAULT_SETTINGS } from '../src/contracts/settings.ts';
import { parseConfig } from '../src/config.ts';
import { buildPrompt } from '../src/answer/prompt.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { createLlamaChatModel } from '../src/llm/llama-chat-model.ts';
import { decodeCeiling } from './decode-ceiling.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { createRetriever } from '../src/retrieval/retriever.ts';
import { QUESTION_LIMITS_OFF, freePort, startRole, waitForHttp, waitForOutput, type RoleProcess } from '../tests/support/processes.ts';
import { sseEvents } from '../tests/support/sse.ts';
import { testModels } from '../tests/support/test-models.ts';
import { median, round } from './stats.ts';
import { benchFresh, ingestFreshDocs } from './answer-fresh.ts';
import { askOpenAi, benchOpenAiPath } from './answer-openai.ts';

const FACTS =
  'Harbour guide.\n\nThe lighthouse of Qorvath harbour is kept by Ilsabet Marrow. She has kept the Qorvath light since 1987 ' +
  'and repaints the tower every spring. The ferry to the outer islands leaves from the south pier at seven each morning, ' +
  'and the harbour office opens at nine. Fishing boats unload at the east quay, where the fish market is held on Tuesdays.';
const QUESTION = 'Tell me everything about the Qorvath harbour: who keeps the lighthouse, when the ferry leaves and where boats unload.';
const CONTEXT_SIZE = 2048;
const SEQUENCES = 4;

interface StreamResult {
  totalMs: number;
  firstTokenMs: number;
  answer: string;
  /** The worker's own timings from the done event (queue wait, retrieval, first token, ...). */
  timings?: Record<string, number>;
}

async function askStream(base: string, settings: Partial<Settings>, question = QUESTION): Promise<StreamResult> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, settings }),
  });
  if (res.status !== 200) throw new Error(`POST /api/ask answered ${res.status}: ${await res.text()}`);
  let firstTokenMs = NaN;
  for await (const { event, data: raw } of sseEvents(res)) {
    const data = raw as Record<string, unknown>;
    if (event === 'token' && Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - t0;
    if (event === 'error') throw new Error(`answer failed: ${JSON.stringify(data)}`);
    if (event === 'done') {
      return { totalMs: performance.now() - t0, firstTokenMs, answer: String(data.answer), timings: data.timings as Record<string, number> };
    }
  }
  throw new Error('the stream ended without done');
}

/** Peak and current RSS of a process, in MB, from /proc. */
async function rssMb(pid: number): Promise<{ peak: number; current: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peak: round(kb('VmHWM') / 1024, 1), current: round(kb('VmRSS') / 1024, 1) };
}

/** The worker's context settings this run overrides (the product's defaults otherwise). */
function workerEnv(): Record<string, string> {
  return Object.fromEntries(['LLM_KV_CACHE_TYPE', 'LLM_BATCH_SIZE'].flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
}

/** `chatModel`: a GGUF other than the test model (the 1B-shaped one of synthetic-model.ts). */
export async function benchAnswer(chatModel?: string): Promise<Record<string, unknown>> {
  const models = { ...testModels(), ...(chatModel ? { chat: chatModel } : {}) };
  const threads = Number(process.env.LLM_THREADS ?? 2);
  const runs = Number(process.env.BENCH_ANSWER_RUNS ?? 12);
  const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const inProcess = amqpUrl === '';
  const log = (line: string) => process.stderr.write(`answer: ${line}\n`);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-answer-'));
  const prefix = `bench${randomBytes(4).toString('hex')}.`;
  const vsDir = path.join(tmp, 'vectorstore');
  const settings = { ...DEFAULT_SETTINGS, temperature: 0, seed: 7, maxTokens: 96 };
  const procs: RoleProcess[] = [];

  // The index both sides read: one document through the real pipeline.
  const embedder = await createOnnxEmbedder(models.embed, { threads: 1 });
  const store = await openFaissStore({
    dir: vsDir,
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: 1000, chunkOverlap: 150 },
  });
  const docPath = path.join(tmp, 'harbour-guide.txt');
  await fs.writeFile(docPath, FACTS);
  await ingestDocument(
    { v: INGEST_CONTRACT_VERSION, id: 'bench', documentId: 'a'.repeat(64), storedPath: docPath, name: 'harbour-guide.txt', mediaType: 'text/plain', size: FACTS.length },
    { embedder, store, chunking: { size: 1000, overlap: 150, embedBatch: 32 } },
  );
  const parts = new Set((process.env.BENCH_ANSWER_PARTS ?? 'overhead,fresh,openai').split(','));
  if (parts.has('fresh')) await ingestFreshDocs(embedder, store);
  const chat = await createLlamaChatModel({ modelPath: models.chat, threads, contextSize: CONTEXT_SIZE, sequences: SEQUENCES });
  try {
    const hits = await createRetriever(embedder, store).search(QUESTION, settings.k);
    const prompt = buildPrompt({ question: QUESTION, hits, contextSize: chat.contextSize, maxTokens: settings.maxTokens, countTokens: (t) => chat.countTokens(t) });

    const webPort = await freePort();
    const base = `http://127.0.0.1:${webPort}`;
    const common = {
      AMQP_URL: amqpUrl,
      AMQP_PREFIX: prefix,
      KAFKA_BROKERS: '',
      VECTORSTORE_DIR: vsDir,
      CHAT_MODEL: models.chat,
      EMBED_MODEL: models.embed,
      LLM_THREADS: String(threads),
      LLM_CONTEXT_SIZE: String(CONTEXT_SIZE),
      LLM_SEQUENCES: String(SEQUENCES),
      // To measure other settings of the worker's contexts (LLM_KV_CACHE_TYPE=q8_0 LLM_BATCH_SIZE=512 was the old default).
      ...(process.env.LLM_KV_CACHE_TYPE ? { LLM_KV_CACHE_TYPE: process.env.LLM_KV_CACHE_TYPE } : {}),
      ...(process.env.LLM_BATCH_SIZE ? { LLM_BATCH_SIZE: process.env.LLM_BATCH_SIZE } : {}),
      LOG_LEVEL: 'warn',
      ...QUESTION_LIMITS_OFF,
    };
    // AMQP_URL='' runs the service all-in-one (in-process queue) where no RabbitMQ is reachable.
    const worker = inProcess
      ? startRole('all-in-one', 'start.ts', { ...common, DATA_DIR: path.join(tmp, 'all'), PORT: String(webPort), HOST: '127.0.0.1', INGEST_INBOX: path.join(tmp, 'inbox') })
      : startRole('answer-worker', 'answer-worker.ts', { ...common, LOG_LEVEL: 'info', DATA_DIR: path.join(tmp, 'worker'), WORKER_ID: 'bench-worker' });
    procs.push(worker);
    if (!inProcess) procs.push(startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(webPort) }));
    await Promise.all([inProcess ? Promise.resolve() : waitForOutput(worker, 'answer worker ready', 180_000), waitForHttp(`${base}/readyz`, 180_000, procs)]);
    log(inProcess ? 'all-in-one ready' : 'web and worker ready');

    const fresh = parts.has('fresh')
      ? await benchFresh({
          ask: async (q) => (await askStream(base, settings, q)).firstTokenMs,
          retriever: createRetriever(embedder, store),
          modelPath: models.chat,
          threads,
          contextSize: CONTEXT_SIZE,
          settings,
          compaction: parseConfig({ ...process.env }).prompt,
        })
      : undefined;
    // The OpenAI-compatible path against POST /api/ask, same question and settings (answer-openai.ts).
    const openai = parts.has('openai') ? await benchOpenAiPath(() => askStream(base, settings), () => askOpenAi(base, settings, QUESTION), runs) : undefined;
    if (!parts.has('overhead')) {
      return { chatModel: path.basename(models.chat), transport: inProcess ? 'in-process (all-in-one)' : 'RabbitMQ', threads, sequences: SEQUENCES, contextSize: CONTEXT_SIZE, workerEnv: workerEnv(), fresh, openai };
    }

    const direct = async (s: Settings = settings) => {
      const t0 = performance.now();
      const g = await chat.generate(prompt.messages, { settings: s });
      return { totalMs: performance.now() - t0, firstTokenMs: g.firstTokenMs, answer: g.text };
    };
    // Warm both (first generations load weights into caches).
    await direct();
    await askStream(base, settings);
    const sys: StreamResult[] = [];
    const dir: StreamResult[] = [];
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        dir.push(await direct());
        sys.push(await askStream(base, settings));
      } else {
        sys.push(await askStream(base, settings));
        dir.push(await direct());
      }
    }
    // The done event's answer may be tidied (citations); compare the text both generated.
    const sameAnswer = sys.every((s) => s.answer.trim().startsWith(dir[0]!.answer.trim().slice(0, 120)));
    log(`overhead: system ${median(sys.map((s) => s.totalMs)).toFixed(0)} ms, direct ${median(dir.map((d) => d.totalMs)).toFixed(0)} ms`);

    // Throughput: n questions at once, each with its own seed and a higher temperature, so the
    // sequences do not all produce the same text.
    // Every sequence first gets the prompt into its KV cache (one unmeasured round of four), so each
    // concurrency level decodes from a warm prompt: otherwise the lone question reuses the cache the
    // overhead runs left while three of four questions evaluate the whole prompt, and the figures
    // would compare decoding against prompt evaluation.
    const throughput: Record<string, { tokens: number; seconds: number; tokensPerSecond: number }> = {};
    await Promise.all(Array.from({ length: 4 }, (_, j) => askStream(base, { ...settings, temperature: 0.8, seed: 90 + j, maxTokens: 8 })));
    for (const n of [1, 2, 4]) {
      const t0 = performance.now();
      const answers = await Promise.all(Array.from({ length: n }, (_, j) => askStream(base, { ...settings, temperature: 0.8, seed: 100 + j, maxTokens: 128 })));
      const seconds = (performance.now() - t0) / 1000;
      const tokens = answers.reduce((sum, a) => sum + chat.countTokens(a.answer), 0);
      throughput[`concurrent${n}`] = { tokens, seconds: round(seconds, 2), tokensPerSecond: round(tokens / seconds, 1) };
      log(`${n} at once: ${(tokens / seconds).toFixed(1)} tokens/s`);
    }
    // The same concurrency on the model called directly: what the worker's figures should approach.
    const directThroughput: Record<string, number> = {};
    await Promise.all(Array.from({ length: 4 }, (_, j) => direct({ ...settings, temperature: 0.8, seed: 90 + j, maxTokens: 8 })));
    for (const n of [1, 4]) {
      const t0 = performance.now();
      const gens = await Promise.all(Array.from({ length: n }, (_, j) => direct({ ...settings, temperature: 0.8, seed: 100 + j, maxTokens: 128 })));
      const tokens = gens.reduce((sum, g) => sum + chat.countTokens(g.answer), 0);
      directThroughput[`concurrent${n}TokensPerSecond`] = round(tokens / ((performance.now() - t0) / 1000), 1);
    }
    // The same model with every thread behind one context (LLM_CONTEXTS=1): the fastest a lone
    // question can be answered here, so the speed-up above is not bought with a slower single answer.
    const oneContext = await createLlamaChatModel({ modelPath: models.chat, threads, contextSize: CONTEXT_SIZE, sequences: SEQUENCES, contexts: 1 });
    const oneContextThroughput: Record<string, number> = {};
    try {
      await Promise.all(Array.from({ length: 4 }, (_, j) => oneContext.generate(prompt.messages, { settings: { ...settings, temperature: 0.8, seed: 90 + j, maxTokens: 8 } })));
      for (const n of [1, 4]) {
        const t0 = performance.now();
        const gens = await Promise.all(
          Array.from({ length: n }, (_, j) => oneContext.generate(prompt.messages, { settings: { ...settings, temperature: 0.8, seed: 100 + j, maxTokens: 128 } })),
        );
        const tokens = gens.reduce((sum, g) => sum + g.completionTokens, 0);
        oneContextThroughput[`concurrent${n}TokensPerSecond`] = round(tokens / ((performance.now() - t0) / 1000), 1);
      }
    } finally {
      await oneContext.close();
    }
    const ceiling = await decodeCeiling(models.chat, threads);
    const memory = await rssMb(worker.child.pid!);
    const modelMb = round((await fs.stat(models.chat)).size / 2 ** 20, 1);
    const sysTotal = median(sys.map((s) => s.totalMs));
    const dirTotal = median(dir.map((d) => d.totalMs));
    return {
      chatModel: path.basename(models.chat),
      embedder: embedder.modelName,
      threads,
      sequences: SEQUENCES,
      contextSize: CONTEXT_SIZE,
      settings: { temperature: settings.temperature, seed: settings.seed, maxTokens: settings.maxTokens, k: settings.k },
      runs,
      workerEnv: workerEnv(),
      fresh,
      openai,
      overhead: {
        systemTotalMsP50: round(sysTotal, 1),
        directTotalMsP50: round(dirTotal, 1),
        ratioTotal: round(sysTotal / dirTotal),
        // Each system run next to the direct run beside it: slow drift in the machine's load
        // cancels out of a pair, so this median is the steadier figure on shared cores.
        ratioTotalPairedMedian: round(median(sys.map((x, i) => x.totalMs / dir[i]!.totalMs))),
        systemFirstTokenMsP50: round(median(sys.map((s) => s.firstTokenMs)), 1),
        directFirstTokenMsP50: round(median(dir.map((d) => d.firstTokenMs)), 1),
        firstTokenAddedMs: round(median(sys.map((s) => s.firstTokenMs)) - median(dir.map((d) => d.firstTokenMs)), 1),
        sameAnswerAsDirect: sameAnswer,
        // Where the system's time to first token goes, as the worker measured it (p50 per field).
        workerTimingsMsP50: Object.fromEntries(
          Object.keys(sys[0]!.timings ?? {}).map((k) => [k, round(median(sys.map((x) => x.timings?.[k] ?? NaN)), 1)]),
        ),
        systemAnswer: sys[0]!.answer.slice(0, 160),
        directAnswer: dir[0]!.answer.slice(0, 160),
        answerTokens: chat.countTokens(dir[0]!.answer),
        goals: { ratioTotal: '<= 1.05', firstTokenAddedMs: '<= 50' },
      },
      throughput: {
        ...throughput,
        speedUpAt4: round(throughput.concurrent4!.tokensPerSecond / throughput.concurrent1!.tokensPerSecond, 2),
        goalSpeedUpAt4: '>= 2',
        direct: directThroughput,
        directAllThreadsInOneContext: {
          ...oneContextThroughput,
          at4VsItsOwnSingle: round((oneContextThroughput.concurrent4TokensPerSecond ?? NaN) / (oneContextThroughput.concurrent1TokensPerSecond ?? NaN), 2),
          systemAt4VsThisSingle: round(throughput.concurrent4!.tokensPerSecond / (oneContextThroughput.concurrent1TokensPerSecond ?? NaN), 2),
        },
        decodeCeiling: ceiling,
      },
      memory: { workerPeakRssMb: memory.peak, workerRssMb: memory.current, modelFileMb: modelMb, overModelMb: round(memory.peak - modelMb, 1), goal: 'peak <= model + 500 MB' },
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await chat.close();
    await store.close();
    await embedder.close();
    await fs.rm(tmp, { recursive: true, force: true });
    if (!inProcess) {
      const conn = await amqp.connect(amqpUrl);
      const ch = await conn.createChannel();
      for (const q of ['answer.requests', 'answer.requests.dead', 'ingest.jobs', 'ingest.jobs.dead']) await ch.deleteQueue(`${prefix}${q}`);
      for (const x of ['answer.cancels', 'ingest.events', 'index.updates', 'dlx']) await ch.deleteExchange(`${prefix}${x}`);
      await conn.close();
    }
  }
}
