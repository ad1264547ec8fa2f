/**
 * Whether a byte pattern occurs in a stream of chunks, across chunk boundaries, keeping only the
 * pattern's length of carry (type detection reads uploads this way, never holding the file).
 */
export class StreamSearch {
  found = false;
  private carry = Buffer.alloc(0);
  constructor(private readonly pattern: Buffer) {}
  update(chunk: Buffer): void {
    if (this.found) return;
    const keep = this.pattern.length - 1;
    if (Buffer.concat([this.carry, chunk.subarray(0, keep)]).includes(this.pattern) || chunk.includes(this.pattern)) {
      this.found = true;
      return;
    }
    this.carry = Buffer.from(Buffer.concat([this.carry, chunk.subarray(-keep)]).subarray(-keep));
  }
}

