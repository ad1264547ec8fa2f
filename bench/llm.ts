/**
 * Chat-model throughput on this machine: generation tokens/s and time to first token at 1 and
 * 2 threads, and the aggregate rate of two sequences generating at once. Uses the small test
 * model (`npm run models:test`) unless TEST_CHAT_MODEL names another GGUF. Figures are medians;
 * the 2-thread and 2-sequence results are also given as ratios to the 1-thread baseline
 * measured in the same run (shared machines are noisy).
 */
import { createLlamaChatModel } from '../src/llm/llama-chat-model.ts';
import type { ChatMessage, ChatModel, Generation } from '../src/ports/chat-model.ts';
import { DEFAULT_SETTINGS } from '../src/contracts/settings.ts';
import { testModels } from '../tests/support/test-models.ts';
import { median, round } from './stats.ts';

/**
 * A sequence keeps its KV cache, so a repeated prompt would be evaluated only once and the time to
 * first token would look near zero; the run number at the start makes every prompt cold.
 */
const messages = (run: number): ChatMessage[] => [
  { role: 'system', content: `Session ${run}. You are a helpful assistant who answers from the documents given.` },
  { role: 'user', content: 'Write a long, detailed story about a lighthouse keeper and a storm.' },
];
const MESSAGES = messages(0);
const SETTINGS = { ...DEFAULT_SETTINGS, maxTokens: 128, temperature: 0.7, seed: 42 };
const RUNS = 3;

interface Figures {
  tokensPerSecond: number;
  firstTokenMs: number;
  completionTokens: number;
}

function figures(g: Generation, totalMs: number): Figures {
  const genMs = Math.max(totalMs - g.firstTokenMs, 1);
  return { tokensPerSecond: Math.max(g.completionTokens - 1, 0) / (genMs / 1000), firstTokenMs: g.firstTokenMs, completionTokens: g.completionTokens };
}

async function timed(model: ChatModel, seed: number): Promise<Figures> {
  const t = performance.now();
  const g = await model.generate(messages(seed), { settings: { ...SETTINGS, seed } });
  return figures(g, performance.now() - t);
}

async function withModel<T>(threads: number, sequences: number, fn: (m: ChatModel) => Promise<T>): Promise<T> {
  const model = await createLlamaChatModel({ modelPath: testModels().chat, threads, contextSize: 1024, sequences });
  try {
    await model.generate(MESSAGES, { settings: { ...SETTINGS, maxTokens: 8 } }); // warm-up
    return await fn(model);
  } finally {
    await model.close();
  }
}

async function single(threads: number) {
  return withModel(threads, 1, async (m) => {
    const runs: Figures[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await timed(m, 42 + i));
    return {
      threads,
      tokensPerSecond: round(median(runs.map((r) => r.tokensPerSecond)), 1),
      firstTokenMs: round(median(runs.map((r) => r.firstTokenMs)), 1),
      runs: runs.map((r) => ({ tokensPerSecond: round(r.tokensPerSecond, 1), firstTokenMs: round(r.firstTokenMs, 1), tokens: r.completionTokens })),
    };
  });
}

/** Two generations at once on two sequences of one context, 1 thread: aggregate tokens/s. */
async function twoSequences() {
  return withModel(1, 2, async (m) => {
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const gs = await Promise.all([0, 1].map((k) => m.generate(messages(100 + i * 2 + k), { settings: { ...SETTINGS, seed: 100 + i * 2 + k } })));
      const secs = (performance.now() - t) / 1000;
      rates.push(gs.reduce((s, g) => s + g.completionTokens, 0) / secs);
    }
    return { threads: 1, sequences: 2, aggregateTokensPerSecond: round(median(rates), 1) };
  });
}

export async function benchLlm(): Promise<Record<string, unknown>> {
  const model = testModels().chat;
  const t1 = await single(1);
  const t2 = await single(2);
  const s2 = await twoSequences();
  return {
    model,
    promptTokens: await withModel(1, 1, async (m) => (await m.generate(MESSAGES, { settings: { ...SETTINGS, maxTokens: 1 } })).promptTokens),
    settings: { maxTokens: SETTINGS.maxTokens, temperature: SETTINGS.temperature, contextSize: 1024 },
    oneThread: t1,
    twoThreads: { ...t2, tokensPerSecondVsOneThread: round(t2.tokensPerSecond / t1.tokensPerSecond, 2) },
    twoSequences: { ...s2, vsOneThreadSingle: round(s2.aggregateTokensPerSecond / t1.tokensPerSecond, 2) },
  };
}
