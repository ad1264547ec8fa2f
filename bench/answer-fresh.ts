/**
 * The fresh-question part of `npm run bench:answer`: a new question each time, as a person asks,
 * so its prompt is not in any KV cache. 20 distinct squad-dev questions (BENCH_FRESH_QUESTIONS)
 * over four of its articles go through POST /api/ask (time to the first streamed token), and the
 * very prompt the worker builds (same index, embedder and buildPrompt) is evaluated by
 * node-llama-cpp alone with the best settings measured on this machine (bench/prefill-probe.ts:
 * one context, one sequence, every thread, f16 KV cache, flash attention, the whole prompt in one
 * batch), question by question, alternating which side goes first. Both sides keep what their
 * sequence already holds (the system prompt) and evaluate the rest. Reports p50/p95 of each, the
 * ratio of the p50s and the median of the per-question ratios (goal at most 1.1).
 *
 * The engine side builds each prompt with the worker's own passage compaction (`compaction`, the
 * PROMPT_* settings the worker runs with), and the report gives the prompt tokens per question
 * without any compaction beside them (before and after). Cores: the same engine evaluates the
 * first prompts again on a one-thread context; the speed-up from 1 to `threads` threads, applied
 * once more per doubling, gives the estimate for 8 cores (an upper bound on the gain: prefill is
 * compute-bound on these models, but memory bandwidth and the cores' own speed cap it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { getLlama, LlamaLogLevel, resolveChatWrapper, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { INGEST_CONTRACT_VERSION } from '../src/contracts/ingest.ts';
import type { Settings } from '../src/contracts/settings.ts';
import { compactPassages, type CompactionSettings } from '../src/answer/compact-passages.ts';
import { buildPrompt } from '../src/answer/prompt.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { toChatHistory } from '../src/llm/llama-options.ts';
import type { Embedder } from '../src/ports/embedder.ts';
import type { VectorStore } from '../src/ports/vector-store.ts';
import type { Retriever } from '../src/retrieval/retriever.ts';
import { median, percentile, round } from './stats.ts';

const SQUAD = process.env.SQUAD_DEV_DIR ?? path.resolve(import.meta.dirname, '../../shared/eval/squad-dev');
const DOCS = ['01-Normans.txt', '05-1973_oil_crisis.txt', '07-Packet_switching.txt', '02-Computational_complexity_theory.txt'];

/** The articles the fresh questions are about, through the real ingest pipeline. */
export async function ingestFreshDocs(embedder: Embedder, store: VectorStore): Promise<void> {
  for (const [i, name] of DOCS.entries()) {
    const storedPath = path.join(SQUAD, 'docs', name);
    const size = fs.statSync(storedPath).size;
    await ingestDocument(
      { v: INGEST_CONTRACT_VERSION, id: `fresh${i}`, documentId: String(i + 1).repeat(64), storedPath, name, mediaType: 'text/plain', size },
      { embedder, store, chunking: { size: 1000, overlap: 150, embedBatch: 32 } },
    );
  }
}

/** `n` distinct answerable questions, spread evenly over the articles and through each. */
function questions(n: number): string[] {
  const all = fs
    .readFileSync(path.join(SQUAD, 'questions.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { question: string; doc: string; impossible: boolean });
  const out = new Set<string>();
  const per = Math.ceil(n / DOCS.length);
  for (const doc of DOCS) {
    const own = all.filter((q) => q.doc === doc && !q.impossible);
    for (let j = 0; j < per && out.size < n; j++) out.add(own[Math.floor((j * own.length) / per)]!.question);
  }
  return [...out];
}

export interface FreshDeps {
  /** Time to the first streamed token of this question through the service. */
  ask: (question: string) => Promise<number>;
  retriever: Retriever;
  modelPath: string;
  threads: number;
  contextSize: number;
  settings: Settings;
  /** The passage compaction the worker applies (config `prompt`). */
  compaction: CompactionSettings;
}

export async function benchFresh(d: FreshDeps): Promise<Record<string, unknown>> {
  const n = Number(process.env.BENCH_FRESH_QUESTIONS ?? 20);
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: d.threads, logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: d.modelPath, useMmap: false });
  const context = await model.createContext({ contextSize: d.contextSize, sequences: 1, threads: d.threads, batchSize: d.contextSize, flashAttention: true });
  const seq = context.getSequence();
  const wrapper = resolveChatWrapper(model);
  const countTokens = (t: string) => model.tokenize(t).length;
  try {
    const tokensOf = (question: string, hits: Awaited<ReturnType<Retriever['search']>>): Token[] => {
      const p = buildPrompt({ question, hits, contextSize: d.contextSize, maxTokens: d.settings.maxTokens, countTokens });
      return wrapper.generateContextState({ chatHistory: toChatHistory(p.messages) }).contextText.tokenize(model.tokenizer);
    };
    const raw = async (question: string) => d.retriever.search(question, d.settings.k);
    const promptOf = async (question: string): Promise<Token[]> => tokensOf(question, compactPassages(await raw(question), question, d.compaction));
    const uncompactedTokens = async (question: string): Promise<number> => tokensOf(question, await raw(question)).length;
    // Warm both sides on a question no round asks (the worker's sequences then hold the system prompt).
    await d.ask('Who wrote the harbour guide?');
    await engineFirstToken(seq, await promptOf('Who wrote the harbour guide?'));
    const rows: { service: number; engine: number; tokens: number; before: number }[] = [];
    const asked = questions(n);
    for (const [i, q] of asked.entries()) {
      const tokens = await promptOf(q);
      let service: number;
      let engine: number;
      if (i % 2 === 0) {
        service = await d.ask(q);
        engine = await engineFirstToken(seq, tokens);
      } else {
        engine = await engineFirstToken(seq, tokens);
        service = await d.ask(q);
      }
      rows.push({ service, engine, tokens: tokens.length, before: await uncompactedTokens(q) });
      process.stderr.write(`fresh ${i + 1}/${n}: ${tokens.length} tokens, service ${service.toFixed(0)} ms, engine ${engine.toFixed(0)} ms\n`);
    }
    const cores = d.threads > 1 ? await threadScaling(model, seq, d, asked.slice(0, 6), promptOf) : undefined;
    const s = rows.map((r) => r.service).sort((a, b) => a - b);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const e = rows.map((r) => r.engine).sort((a, b) => a - b);
    return {
      questions: rows.length,
      promptTokensP50: median(rows.map((r) => r.tokens)),
      promptTokensUncompactedP50: median(rows.map((r) => r.before)),
      promptTokensSaved: round(1 - sum(rows.map((r) => r.tokens)) / sum(rows.map((r) => r.before))),
      compaction: d.compaction,
      serviceFirstTokenMsP50: round(percentile(s, 0.5), 1),
      serviceFirstTokenMsP95: round(percentile(s, 0.95), 1),
      engineFirstTokenMsP50: round(percentile(e, 0.5), 1),
      engineFirstTokenMsP95: round(percentile(e, 0.95), 1),
      ratioP50: round(percentile(s, 0.5) / percentile(e, 0.5)),
      ratioPairedMedian: round(median(rows.map((r) => r.service / r.engine))),
      enginePrefillTokensPerSecond: round(median(rows.map((r) => r.tokens / (r.engine / 1000))), 0),
      ...(cores ? { cores: { ...cores, serviceFirstTokenMsP50At8CoresEstimate: round(percentile(s, 0.5) / cores.speedUpPerDoubling ** Math.log2(8 / d.threads), 0) } } : {}),
      goal: { ratioP50: '<= 1.1' },
    };
  } finally {
    await context.dispose();
    await model.dispose();
  }
}

/**
 * The same engine on a one-thread context against `seq` (d.threads threads) for a few fresh
 * prompts, alternating which goes first: the median speed-up of prefill per doubling of threads.
 */
async function threadScaling(
  model: Awaited<ReturnType<Awaited<ReturnType<typeof getLlama>>['loadModel']>>,
  seq: LlamaContextSequence,
  d: FreshDeps,
  qs: string[],
  promptOf: (q: string) => Promise<Token[]>,
): Promise<{ threads: number; oneThreadMsP50: number; threadsMsP50: number; speedUpPerDoubling: number }> {
  const one = await model.createContext({ contextSize: d.contextSize, sequences: 1, threads: 1, batchSize: d.contextSize, flashAttention: true });
  try {
    const seq1 = one.getSequence();
    const warm = await promptOf('Who wrote the harbour guide?');
    const t1: number[] = [];
    const tn: number[] = [];
    for (const [i, q] of qs.entries()) {
      const tokens = await promptOf(q);
      // Both start from another question's prompt, so each keeps the system prompt only.
      await engineFirstToken(seq, warm);
      await engineFirstToken(seq1, warm);
      if (i % 2 === 0) {
        t1.push(await engineFirstToken(seq1, tokens));
        tn.push(await engineFirstToken(seq, tokens));
      } else {
        tn.push(await engineFirstToken(seq, tokens));
        t1.push(await engineFirstToken(seq1, tokens));
      }
      process.stderr.write(`cores ${i + 1}/${qs.length}: 1 thread ${t1.at(-1)!.toFixed(0)} ms, ${d.threads} threads ${tn.at(-1)!.toFixed(0)} ms\n`);
    }
    const speedUp = median(t1.map((t, i) => t / tn[i]!));
    return { threads: d.threads, oneThreadMsP50: round(median(t1), 0), threadsMsP50: round(median(tn), 0), speedUpPerDoubling: round(speedUp ** (1 / Math.log2(d.threads))) };
  } finally {
    await one.dispose();
  }
}

/**
 * node-llama-cpp alone: keep what the sequence holds of this prompt's start, evaluate the rest,
 * time to the first generated token.
 */
async function engineFirstToken(seq: LlamaContextSequence, tokens: Token[]): Promise<number> {
  const t0 = performance.now();
  const held = seq.contextTokens;
  let keep = 0;
  while (keep < held.length && keep < tokens.length - 1 && held[keep] === tokens[keep]) keep++;
  if (keep < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
  const it = seq.evaluate(tokens.slice(keep), { temperature: 0 });
  await it.next();
  const ms = performance.now() - t0;
  await it.return();
  return ms;
}
