/**
 * `tsx bench/prefill-probe.ts [model.gguf]`: where fresh-prompt prefill time goes. One model, one
 * context per variant (so every variant sees every prompt cold), prompts of about 770 tokens built
 * from the squad-dev articles (a different prompt each round), variants interleaved round by
 * round; prints the median time to the first generated token per variant and its ratio to the
 * engine's best. Variants: the product's layout and settings, then one setting changed at a time,
 * and the prompt handed over through LlamaChat (as the product does) rather than tokens.
 * Env: LLM_THREADS (default 2), PROBE_ROUNDS (default 8), PROBE_TOKENS (default 770).
 */
import fs from 'node:fs';
import path from 'node:path';
import { getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper, type LlamaContext, type LlamaContextOptions, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { testModels } from '../tests/support/test-models.ts';
import { toChatHistory } from '../src/llm/llama-options.ts';
import type { ChatMessage } from '../src/ports/chat-model.ts';
import { median, round } from './stats.ts';

const DOCS = path.resolve(import.meta.dirname, '../../shared/eval/squad-dev/docs');
const threads = Number(process.env.LLM_THREADS ?? 2);
const rounds = Number(process.env.PROBE_ROUNDS ?? 8);
const wantTokens = Number(process.env.PROBE_TOKENS ?? 770);
const modelPath = process.argv[2] ?? testModels().chat;
const CONTEXT_SIZE = 2048;

const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, useMmap: false });
const wrapper = resolveChatWrapper(model);

/** Round i's prompt: paragraphs from article i, then a question, as the chat wrapper lays it out. */
function messages(i: number): ChatMessage[] {
  const files = fs.readdirSync(DOCS).sort();
  const paras = fs.readFileSync(path.join(DOCS, files[i % files.length]!), 'utf8').split('\n\n').slice(1 + Math.floor(i / files.length) * 6);
  let body = '';
  for (const p of paras) {
    if (model.tokenize(body).length > wantTokens - 120) break;
    body += `${p}\n\n`;
  }
  return [
    { role: 'system', content: 'You answer questions using only the sources given. Cite them as [1], [2]. If they do not hold the answer, say so.' },
    { role: 'user', content: `Sources:\n${body}\nQuestion ${i}: what is said about the subject of these passages?` },
  ];
}
const tokensOf = (m: ChatMessage[]): Token[] => wrapper.generateContextState({ chatHistory: toChatHistory(m) }).contextText.tokenize(model.tokenizer);

interface Variant {
  name: string;
  options: LlamaContextOptions;
  /** The product hands the prompt over as chat history through LlamaChat. */
  viaChat?: boolean;
  context?: LlamaContext;
  sequence?: LlamaContextSequence;
}
const product: LlamaContextOptions = {
  contextSize: CONTEXT_SIZE,
  sequences: 2,
  threads: { ideal: threads, min: Math.max(1, Math.floor(threads / 2)) },
  flashAttention: true,
  experimentalKvCacheKeyType: 'Q8_0',
  experimentalKvCacheValueType: 'Q8_0',
};
const engine: LlamaContextOptions = { contextSize: CONTEXT_SIZE, sequences: 1, threads, batchSize: CONTEXT_SIZE, flashAttention: false };
const only = (process.env.PROBE_VARIANTS ?? '').split(';').filter(Boolean);
const variants: Variant[] = [
  { name: 'engine f16 batch2048', options: engine },
  { name: 'engine f16 flash batch2048', options: { ...engine, flashAttention: true } },
  { name: 'engine q8 flash batch2048', options: { ...engine, flashAttention: true, experimentalKvCacheKeyType: 'Q8_0' as const, experimentalKvCacheValueType: 'Q8_0' as const } },
  { name: 'engine f16 batch512', options: { ...engine, batchSize: 512 } },
  { name: 'product (q8 flash, batch512, 2 seq, threads ideal/min)', options: product, viaChat: true },
  { name: 'product tokens via evaluate', options: product },
  { name: 'product + batch2048', options: { ...product, batchSize: CONTEXT_SIZE }, viaChat: true },
  { name: 'product f16 no flash + batch2048', options: { ...product, batchSize: CONTEXT_SIZE, flashAttention: false, experimentalKvCacheKeyType: undefined, experimentalKvCacheValueType: undefined }, viaChat: true },
  { name: 'product f16 flash batch2048', options: { ...product, batchSize: CONTEXT_SIZE, experimentalKvCacheKeyType: undefined, experimentalKvCacheValueType: undefined }, viaChat: true },
  { name: 'engine f16 flash batch512', options: { ...engine, flashAttention: true, batchSize: 512 } },
  { name: 'product threads fixed', options: { ...product, threads }, viaChat: true },
].filter((v) => only.length === 0 || only.includes(v.name));
for (const v of variants) {
  v.context = await model.createContext(v.options);
  v.sequence = v.context.getSequence();
}

async function firstTokenMs(v: Variant, m: ChatMessage[]): Promise<number> {
  const seq = v.sequence!;
  await seq.clearHistory();
  const t0 = performance.now();
  if (v.viaChat) {
    const chat = new LlamaChat({ contextSequence: seq, chatWrapper: wrapper, autoDisposeSequence: false });
    let first = NaN;
    await chat.generateResponse(toChatHistory(m), { maxTokens: 1, temperature: 0, onToken: () => (first = Number.isNaN(first) ? performance.now() - t0 : first) });
    chat.dispose({ disposeSequence: false });
    return first;
  }
  const it = seq.evaluate(tokensOf(m), { temperature: 0 });
  await it.next();
  const ms = performance.now() - t0;
  await it.return();
  return ms;
}

const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
// Warm-up on prompts no round uses.
for (const v of variants) await firstTokenMs(v, messages(1000 + variants.indexOf(v)));
const promptTokens: number[] = [];
for (let r = 0; r < rounds; r++) {
  const m = messages(r);
  promptTokens.push(tokensOf(m).length);
  // Rotate the order each round so no variant always runs first (or last) after a pause.
  const order = variants.map((_, i) => variants[(i + r) % variants.length]!);
  for (const v of order) times.get(v.name)!.push(await firstTokenMs(v, m));
}
const base = median(times.get(variants[0]!.name)!);
const rows = variants.map((v) => {
  const t = median(times.get(v.name)!);
  return { variant: v.name, firstTokenMsP50: round(t, 1), vsFirst: round(t / base, 2), tokensPerSecond: round(median(promptTokens) / (t / 1000), 0) };
});
process.stdout.write(`${JSON.stringify({ model: path.basename(modelPath), threads, rounds, promptTokensP50: median(promptTokens), rows }, null, 2)}\n`);
for (const v of variants) await v.context!.dispose();
await model.dispose();
await llama.dispose();
