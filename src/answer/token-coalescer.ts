/**
 * Collects generated text and hands it on in pieces, at most one piece per `intervalMs` or when
 * `maxChars` accumulate, so a streamed answer costs a few reply messages a second rather than one
 * per token.
 */
export class TokenCoalescer {
  private buffer = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flushTo: (text: string) => void,
    private readonly intervalMs = 50,
    private readonly maxChars = 256,
  ) {}

  push(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= this.maxChars) this.flush();
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
