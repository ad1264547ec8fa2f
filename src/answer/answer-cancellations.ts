/**
 * One answer worker's view of which answers must stop. Every worker hears every cancel (fanout), so
 * a cancel names answers this worker holds (abort them now) or answers still queued or held by
 * another worker (remember them until their deadline, so a worker that picks one up later skips it
 * instead of generating for nobody). A drain at shutdown aborts everything still running.
 */

/** Why a running answer was aborted; the handler replies differently to each. */
export type StopReason = 'cancelled' | 'deadline' | 'shutdown';

export class StopSignal extends Error {
  override name = 'StopSignal';
  constructor(readonly reason: StopReason) {
    super(`answer stopped: ${reason}`);
  }
}

/** How long a cancel for an answer not held here is remembered: longer than any answer deadline. */
const DEFAULT_REMEMBER_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

export class AnswerCancellations {
  private readonly running = new Map<string, AbortController>();
  /** answerId -> epoch ms after which the cancel is forgotten. */
  private readonly early = new Map<string, number>();

  constructor(private readonly rememberMs = DEFAULT_REMEMBER_MS) {}

  /** Answers being generated here right now. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Starts tracking an answer; undefined when it was cancelled before it got here. The signal's
   * reason is a StopSignal.
   */
  begin(answerId: string): AbortController | undefined {
    this.prune(Date.now());
    if (this.early.delete(answerId)) return undefined;
    const ctl = new AbortController();
    this.running.set(answerId, ctl);
    return ctl;
  }

  /** Cancels remembered for answers not held here (yet). */
  get remembered(): number {
    this.prune(Date.now());
    return this.early.size;
  }

  end(answerId: string): void {
    this.running.delete(answerId);
  }

  /** A cancel broadcast arrived: abort the answer if it runs here, else remember it for a while. */
  cancel(answerId: string): boolean {
    const ctl = this.running.get(answerId);
    if (ctl) {
      ctl.abort(new StopSignal('cancelled'));
      return true;
    }
    this.prune(Date.now());
    // Bounded: a flood of cancels must not grow memory without limit; the oldest go first.
    if (this.early.size >= MAX_REMEMBERED) {
      const oldest = this.early.keys().next().value;
      if (oldest !== undefined) this.early.delete(oldest);
    }
    this.early.delete(answerId);
    this.early.set(answerId, Date.now() + this.rememberMs);
    return false;
  }

  /** Aborts every running answer (the shutdown drain ran out of time). */
  abortAll(reason: StopReason): number {
    for (const ctl of this.running.values()) ctl.abort(new StopSignal(reason));
    return this.running.size;
  }

  private prune(now: number): void {
    // Insertion order is expiry order (one fixed window), so the scan stops at the first live one.
    for (const [id, until] of this.early) {
      if (until > now) break;
      this.early.delete(id);
    }
  }
}
