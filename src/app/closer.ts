/**
 * Ordered, idempotent shutdown: resources are closed in the reverse order they were opened
 * (work-takers first, then models and stores, then brokers); a failing step is logged and the
 * rest still run.
 */
import type { Logger } from '../log.ts';

export class Closer {
  private readonly steps: Array<{ name: string; fn: () => Promise<void> | void }> = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** Registers a step; steps run last-in, first-out. */
  add(name: string, fn: () => Promise<void> | void): void {
    this.steps.push({ name, fn });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.fn();
          this.log.debug({ step: step.name }, 'closed');
        } catch (err) {
          this.log.error({ err, step: step.name }, 'close step failed');
        }
      }
    })();
    return this.closing;
  }
}
