/**
 * A parse time budget that can be paused. When pages are streamed to the ingest pipeline, the
 * parser waits whenever the pipeline (chunking, embedding) has not caught up; that wait is the
 * embedder's time, not the file's, so it must not count against PARSE_TIMEOUT_MS. Both the parent
 * (isolated-parser.ts) and the PDF reader inside the child (parse-pdf.ts) keep their budget this way.
 */
export class ParseTimer {
  private remaining: number;
  private handle: NodeJS.Timeout | undefined;
  private runningSince: number | null = null;
  private over = false;

  /** Starts paused; `onExpire` is called once, when `ms` of running time have been used. */
  constructor(ms: number, private readonly onExpire: () => void) {
    this.remaining = ms;
  }

  /** Starts or resumes counting. No-op while running or after expiry / stop. */
  resume(): void {
    if (this.runningSince !== null || this.over) return;
    this.runningSince = performance.now();
    this.handle = setTimeout(() => {
      this.over = true;
      this.runningSince = null;
      this.onExpire();
    }, Math.max(0, this.remaining));
  }

  /** Stops counting, keeping what is left of the budget. */
  pause(): void {
    if (this.runningSince === null) return;
    clearTimeout(this.handle);
    this.remaining -= performance.now() - this.runningSince;
    this.runningSince = null;
  }

  /** Adds `ms` to the budget (a page to recognise by OCR), running or paused. No-op after expiry / stop. */
  extend(ms: number): void {
    if (this.over) return;
    const running = this.runningSince !== null;
    this.pause();
    this.remaining += ms;
    if (running) this.resume();
  }

  /** Stops for good: `onExpire` will not be called. */
  stop(): void {
    this.pause();
    this.over = true;
  }
}
