/**
 * Words set into lines of at most `width` characters (a longer word gets a line of its own), as
 * the printed-page benchmarks draw their pages (ocr.ts, eval-retrieval-scanned.ts).
 */
export function wrapLines(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
