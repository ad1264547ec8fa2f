/**
 * The options each llama.cpp context is created with, apart from the adapter so they are testable
 * without a model. Measured on 2 cores (bench/prefill-probe.ts, SmolLM2-135M, fresh 814-token
 * prompts, medians of 6 interleaved rounds, time to first token against node-llama-cpp's best):
 *
 * - Batch size: node-llama-cpp's default is 512 tokens, so a longer prompt is evaluated in several
 *   decodes, and llama.cpp's micro-batch is the batch. A 512-token batch took 1.48x as long as one
 *   batch holding the whole prompt. The batch is the context size unless LLM_BATCH_SIZE says less
 *   (a prompt never exceeds the context).
 * - KV cache type: q8_0 took 1.3-1.4x as long as f16 to prefill (every K and V row is quantised on
 *   the way in and dequantised in attention), so f16 is the default; q8_0 halves the cache's memory.
 * - Flash attention: on for every cache type. With f16 it was faster than without (0.81x), and
 *   llama.cpp quantises the V cache only with it on.
 */
import type { LlamaContextOptions } from 'node-llama-cpp';
import type { ContextPlan } from './context-layout.ts';

export type KvCacheType = 'f16' | 'q8_0' | 'q4_0';

const KV_TYPES = { f16: 'F16', q8_0: 'Q8_0', q4_0: 'Q4_0' } as const;

export interface ContextSettings {
  /** Tokens per sequence (LLM_CONTEXT_SIZE). */
  contextSize: number;
  /** Tokens evaluated per decode; 0 = the context size (LLM_BATCH_SIZE). */
  batchSize: number;
  kvCacheType: KvCacheType;
  /** Every thread of the chat model (LLM_THREADS). */
  threads: number;
  /** How many contexts share those threads (context-layout.ts). */
  contexts: number;
}

/** Options for one context of `plan` (its sequences and its share of the threads). */
export function contextOptions(s: ContextSettings, plan: ContextPlan): LlamaContextOptions {
  const kv = KV_TYPES[s.kvCacheType];
  return {
    contextSize: s.contextSize,
    sequences: plan.sequences,
    // The whole prompt in one decode (node-llama-cpp makes the micro-batch the same size).
    batchSize: s.batchSize > 0 ? Math.min(s.batchSize, s.contextSize) : s.contextSize,
    // A lone question may use every thread; questions running at once share them, each context
    // keeping at least its share (node-llama-cpp lends threads out of the Llama's maxThreads).
    threads: s.contexts > 1 ? { ideal: s.threads, min: plan.threads } : plan.threads,
    flashAttention: true,
    experimentalKvCacheKeyType: kv,
    experimentalKvCacheValueType: kv,
  };
}
