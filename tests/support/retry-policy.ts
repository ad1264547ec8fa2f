/**
 * A consumer's retry policy for tests: the config's defaults (RETRY_* in src/config.ts), with fewer
 * attempts or a shorter backoff where a test wants them (STYLE.md: short retry timings under test).
 */
import { parseConfig } from '../../src/config.ts';
import type { RetryPolicy } from '../../src/ports/message-bus.ts';

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const defaults = parseConfig({}).retry;
  return { maxAttempts: overrides.maxAttempts ?? defaults.maxAttempts, backoff: overrides.backoff ?? defaults.backoff };
}
