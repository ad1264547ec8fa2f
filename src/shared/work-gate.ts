/**
 * A bound on concurrent expensive work with a short bounded wait: at most `concurrency` run at
 * once, at most `queue` more wait for a place, and past that `run` throws UnavailableError at once
 * (503 + Retry-After at the web), so a burst costs a few processes and a short list, never one
 * process per request.
 */
import { UnavailableError } from '../errors.ts';

export class WorkGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: { concurrency: number; queue: number; retryAfterSeconds: number; busyMessage: string }) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.opts.concurrency) {
      if (this.waiting.length >= this.opts.queue) {
        throw new UnavailableError(this.opts.busyMessage, { code: 'busy', retryAfterSeconds: this.opts.retryAfterSeconds });
      }
      // The place is handed over by the run that ends (running stays counted), so none can jump in.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
