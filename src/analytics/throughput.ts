/**
 * Generation throughput of one answer: completion tokens / generation seconds. The generation
 * stage starts at the first token, so prompt processing and retrieval do not dilute it.
 */

/** Tokens per second, or null when it cannot be measured (no generation time, or no tokens). */
export function tokensPerSecond(completionTokens: number, generationMs: number): number | null {
  if (!(generationMs > 0) || !(completionTokens > 0)) return null;
  return completionTokens / (generationMs / 1000);
}
