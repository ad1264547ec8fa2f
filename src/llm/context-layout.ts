/**
 * How an answer worker spreads its sequences over llama.cpp contexts and its threads over those.
 *
 * Why more than one context: on a CPU, llama.cpp's decode of a small batch costs nearly as much per
 * token as decoding tokens one by one (measured here, SmolLM2-135M Q4_1, 1 thread: 236 tok/s for
 * single tokens, 300 tok/s in batches of 4), so four sequences in one context gain little over one.
 * A context per core instead runs its sequences truly in parallel, and a context on one thread
 * never spin-waits for a sibling thread that a busy machine has descheduled (the collapse
 * models/README.md records for two threads under load). The cost: a lone question uses one core.
 * LLM_CONTEXTS=1 puts every thread behind every question instead.
 */

export interface ContextPlan {
  threads: number;
  sequences: number;
}

/**
 * Splits `threads` and `sequences` over `contexts` contexts (0 = one per thread, at most one per
 * sequence). Every context gets at least one thread and one sequence; the remainders go to the
 * first contexts.
 */
export function planContexts(threads: number, sequences: number, contexts: number): ContextPlan[] {
  const t = Math.max(1, Math.floor(threads));
  const s = Math.max(1, Math.floor(sequences));
  const wanted = contexts > 0 ? Math.floor(contexts) : t;
  const n = Math.max(1, Math.min(wanted, s, t));
  return Array.from({ length: n }, (_, i) => ({
    threads: Math.floor(t / n) + (i < t % n ? 1 : 0),
    sequences: Math.floor(s / n) + (i < s % n ? 1 : 0),
  }));
}
