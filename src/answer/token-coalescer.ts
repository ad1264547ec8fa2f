/**
 * Collects generated text and hands it on in pieces, at most one piece per `intervalMs` or when
 * `maxChars` accumulate, so a streamed answer costs a few reply messages a second rather than one
 * per token. The very first piece goes at once: holding it would add up to `intervalMs` to the
 * time to first token people see.
 */
export class TokenCoalescer {
  private buffer = '';
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly flushTo: (text: string) => void,
    private readonly intervalMs = 50,
    private readonly maxChars = 256,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (!this.started || this.buffer.length >= this.maxChars) {
      this.started = true;
      this.flush();
    }
    else this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    this.flushTo(text);
  }
}
