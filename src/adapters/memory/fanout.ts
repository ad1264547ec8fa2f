/**
 * An in-process fanout exchange: every current subscriber gets each broadcast, in order; nothing is
 * kept for later subscribers. A failing subscriber is logged and skipped, as broadcasts
 * (progress, index updates) are notifications, not work.
 */
import type { Logger } from '../../log.ts';
import type { BroadcastHandler } from '../../ports/message-bus.ts';

interface Subscriber {
  handler: BroadcastHandler;
  /** The subscriber's delivery chain: one broadcast at a time, in publish order. */
  tail: Promise<void>;
  active: boolean;
}

export class MemoryFanout {
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly name: string,
    private readonly log: Logger,
  ) {}

  publish(json: string): void {
    for (const s of this.subscribers) {
      s.tail = s.tail.then(async () => {
        if (!s.active) return;
        try {
          await s.handler(JSON.parse(json) as unknown);
        } catch (err) {
          this.log.warn({ err, exchange: this.name }, 'broadcast handler failed');
        }
      });
    }
  }

  subscribe(handler: BroadcastHandler): { cancel(): Promise<void> } {
    const s: Subscriber = { handler, tail: Promise.resolve(), active: true };
    this.subscribers.add(s);
    return {
      cancel: async () => {
        this.subscribers.delete(s);
        // Broadcasts already queued for it are dropped; the one running finishes.
        s.active = false;
        await s.tail;
      },
    };
  }
}
