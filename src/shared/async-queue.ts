/**
 * A push-to-pull bridge: producers push values, one consumer iterates them with `for await`.
 * Ending (end / fail) is final; breaking out of the loop calls the onReturn hook so the producer
 * can stop (used to cancel an answer when the browser goes away).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failer: ((e: unknown) => void) | undefined;
  private done = false;
  private error: Error | undefined = undefined;

  constructor(private readonly onReturn: () => void = () => {}) {}

  get ended(): boolean {
    return this.done;
  }

  push(item: T): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = this.failer = undefined;
      w({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.settle();
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = err instanceof Error ? err : new Error(typeof err === 'string' ? err : 'failed');
    this.settle();
  }

  private settle(): void {
    if (!this.waiter || this.items.length > 0) return;
    const w = this.waiter;
    const f = this.failer;
    this.waiter = this.failer = undefined;
    if (this.error !== undefined && f) f(this.error);
    else w({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.done) {
          return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiter = resolve;
          this.failer = reject;
        });
      },
      return: () => {
        const wasDone = this.done;
        this.done = true;
        this.items.length = 0;
        if (!wasDone) this.onReturn();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
