/**
 * Bounded exponential backoff with jitter, shared by reconnects, requeues and event-log retries.
 * Jitter keeps N workers that lost the same broker from reconnecting in lock-step.
 */
export interface BackoffOptions {
  /** First delay in ms. */
  initialMs: number;
  /** Upper bound of any delay in ms. */
  maxMs: number;
}

/** Delay before try number `attempt` (1-based): initial * 2^(attempt-1), capped, +-20 % jitter. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jitter = exp * 0.2 * (Math.random() * 2 - 1);
  return Math.max(0, Math.min(opts.maxMs, Math.round(exp + jitter)));
}

/** A sleep that ends early (resolving) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
