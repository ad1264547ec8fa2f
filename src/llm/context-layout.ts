/**
 * How an answer worker spreads its sequences over llama.cpp contexts and its threads over those.
 *
 * Why more than one context: on a CPU, llama.cpp's decode of a small batch costs nearly as much per
 * token as decoding tokens one by one (measured here, SmolLM2-135M Q4_1, 1 thread: 236 tok/s for
 * single tokens, 300 tok/s in batches of 4), so four sequences in one context gain little over one
 * while their batch holds every thread. With a context per thread, each context may borrow every
 * thread while it is the only one working (a lone question is as fast as with one context) and
 * keeps at least its share when several work at once. Measured on 2 cores (bench:answer, direct
 * calls, tokens/s at 1 / 4 questions at once): one context on 2 threads 260-274 / 186-212; two
 * contexts 250-288 / 227-267. LLM_CONTEXTS=1 puts every sequence in one context instead.
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

/** A free sequence as chooseSequence sees it: its context and the tokens its KV cache holds. */
export interface FreeSequence {
  context: number;
  cached: readonly number[];
}

/**
 * Which free sequence a new prompt gets: one in a context with the fewest sequences in use (so
 * questions at once run on separate contexts), and among those the one whose cache holds the
 * longest start of the prompt (so only the rest is evaluated). Returns an index into `free`.
 */
export function chooseSequence(sizes: readonly number[], free: readonly FreeSequence[], prompt: readonly number[]): number {
  const busy = [...sizes];
  for (const s of free) busy[s.context] = (busy[s.context] ?? 0) - 1;
  const least = Math.min(...free.map((s) => busy[s.context] ?? 0));
  let best = 0;
  let bestShared = -1;
  free.forEach((s, i) => {
    if ((busy[s.context] ?? 0) !== least) return;
    const shared = sharedPrefix(s.cached, prompt);
    if (shared > bestShared) [best, bestShared] = [i, shared];
  });
  return best;
}

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
