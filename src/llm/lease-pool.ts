/**
 * A fixed set of resources leased one caller at a time (context sequences of the chat model).
 * Callers beyond the pool size wait in FIFO order; a waiter whose AbortSignal fires leaves the
 * queue at once, and closing the pool rejects everyone still waiting. Which free item a caller
 * gets is the caller's `pick` (default: the longest free), so the chat model can choose a
 * sequence by context and cached prompt.
 */
import { AppError } from '../errors.ts';

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class LeasePool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  constructor(items: T[]) {
    this.free = [...items];
  }

  /** Items free right now. */
  get available(): number {
    return this.free.length;
  }

  /** Callers waiting for an item. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** `pick` chooses among the free items (never called with none) and returns an index into them. */
  acquire(signal?: AbortSignal, pick: (free: readonly T[]) => number = () => 0): Promise<T> {
    if (this.closed) return Promise.reject(new AppError('the pool is closed', { code: 'closed' }));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.free.length > 0) {
      const i = Math.min(Math.max(0, pick(this.free)), this.free.length - 1);
      return Promise.resolve(this.free.splice(i, 1)[0] as T);
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.remove(waiter);
          reject(abortError(signal));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns an item: the longest waiter gets it, or it goes back to the free list. */
  release(item: T): void {
    const next = this.waiters.shift();
    if (next) {
      next.signal?.removeEventListener('abort', next.onAbort);
      next.resolve(item);
    } else {
      this.free.push(item);
    }
  }

  /** Rejects every waiter; later acquire() calls fail. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new AppError('the chat model is shutting down', { code: 'closed', retryable: true }));
    }
  }

  private remove(w: Waiter<T>): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}

/** The signal's reason when it is an Error (AbortSignal.abort() gives a DOMException, which is). */
export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new AppError('the operation was aborted', { code: 'aborted' });
}
