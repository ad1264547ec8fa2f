/**
 * The visible text of an HTML page as it is built, with browser-like whitespace: runs of
 * whitespace collapse to one space (kept as written inside <pre>), block ends make line breaks,
 * and blanks before a line break are dropped.
 *
 * Linear in the text: it is kept as a list of pieces, and every decision looks only at its end
 * (the last character or two, the trailing run of spaces and tabs it removes). The first version
 * ran a regular expression over the whole text at every tag (`out.replace(/[ \t]+$/, '')`,
 * `/\s$/.test(out)`), which made 80,000 small paragraphs take 53 s.
 */

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';
/** The same set as \s in a regular expression. */
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

export class TextBuilder {
  private readonly parts: string[] = [];
  private size = 0;

  /** Characters written so far: the offset the next text will start at. */
  get length(): number {
    return this.size;
  }

  /** The text from `start` to the end (cost: that stretch). */
  slice(start: number): string {
    let at = this.size;
    let i = this.parts.length;
    while (i > 0 && at > start) at -= this.parts[--i]!.length;
    return this.parts.slice(i).join('').slice(start - at);
  }

  /** The whole text, without trailing whitespace. */
  text(): string {
    return this.parts.join('').trimEnd();
  }

  /** Ends the line (`blank`: with an empty line after it), dropping blanks before the break. */
  breakLine(blank: boolean): void {
    if (this.size === 0) return;
    this.dropTrailingBlanks();
    const want = blank ? 2 : 1;
    const have = this.trailingNewlines(want);
    if (this.size > 0 && have < want) this.push(have === 0 ? (blank ? '\n\n' : '\n') : '\n'.repeat(want - have));
    else if (this.size === 0) this.push(blank ? '\n\n' : '\n');
  }

  /** A space unless the text is empty or already ends in whitespace. */
  space(): void {
    if (this.size !== 0 && !isSpace(this.last())) this.push(' ');
  }

  /** Adds text; outside <pre> its whitespace collapses, and a space after whitespace is dropped. */
  add(text: string, pre: boolean): void {
    if (pre) {
      this.push(this.size === 0 ? text.replace(/^\n+/, '') : text);
      return;
    }
    let t = text.replace(/\s+/g, ' ');
    if ((this.size === 0 || isSpace(this.last())) && t.startsWith(' ')) t = t.slice(1);
    this.push(t);
  }

  private push(s: string): void {
    if (s === '') return;
    this.parts.push(s);
    this.size += s.length;
  }

  private last(): string | undefined {
    const p = this.parts.at(-1);
    return p?.[p.length - 1];
  }

  /** How many of the last `max` characters are \n, counted from the end. */
  private trailingNewlines(max: number): number {
    let n = 0;
    for (let i = this.parts.length - 1; i >= 0 && n < max; i--) {
      const p = this.parts[i]!;
      for (let k = p.length - 1; k >= 0 && n < max; k--) {
        if (p[k] !== '\n') return n;
        n++;
      }
    }
    return n;
  }

  /** Removes the trailing run of spaces and tabs; each character is removed at most once. */
  private dropTrailingBlanks(): void {
    while (this.parts.length > 0) {
      const p = this.parts.at(-1)!;
      let end = p.length;
      while (end > 0 && isBlank(p[end - 1])) end--;
      this.size -= p.length - end;
      if (end > 0) {
        if (end < p.length) this.parts[this.parts.length - 1] = p.slice(0, end);
        return;
      }
      this.parts.pop();
    }
  }
}
