/**
 * Test helper: inputs built to make a parser's work grow faster than its input (regex
 * backtracking, re-scanning text already built, deep nesting). Each maker takes a size `n` and
 * returns a document about proportional to `n`, so a linear parser takes about 4x the time at 4n.
 * Used by tests/unit/ingest-adversarial.test.ts.
 */

export interface Case {
  name: string;
  /** The document at size `n`. */
  make: (n: number) => string;
  /** Calibration starts here (small enough for a quadratic parser to finish quickly). */
  start: number;
  /** Largest useful 1x size (e.g. where a format's own cut-off begins). */
  max?: number;
}

/** Markdown: what ATX headings, setext headings and plainHeading's inline clean-up meet. */
export const MARKDOWN_CASES: Case[] = [
  { name: 'heading of alternating spaces and tabs', make: (n) => `# a${' \t'.repeat(n)}b\n`, start: 64 },
  { name: 'heading of spaces and tabs before closing #s', make: (n) => `#${' \t'.repeat(n)}#\n`, start: 64 },
  { name: 'heading of spaces and tabs only', make: (n) => `## ${'\t '.repeat(n)}\n`, start: 64 },
  { name: 'heading with a long run of [', make: (n) => `# ${'['.repeat(n)}\n`, start: 64 },
  { name: 'heading with a long run of <', make: (n) => `# ${'<'.repeat(n)}\n`, start: 64 },
  { name: 'heading with a long run of ![', make: (n) => `# ${'!['.repeat(n)}\n`, start: 64 },
  { name: 'heading with unclosed links', make: (n) => `# ${'[a]('.repeat(n)}\n`, start: 64 },
  { name: 'heading with a long run of *', make: (n) => `# ${'*'.repeat(n)}x\n`, start: 64 },
  { name: 'heading with a long run of backticks', make: (n) => `# ${'`'.repeat(n)}x\n`, start: 64 },
  { name: 'heading full of emphasis', make: (n) => `# ${'**a** _b_ `c` '.repeat(n)}\n`, start: 64 },
  { name: 'many headings', make: (n) => '## Section\ntext\n'.repeat(n), start: 64 },
  { name: 'long setext underline', make: (n) => `Title\n${'='.repeat(n)} x\n`, start: 64 },
  { name: 'many tiny lines', make: (n) => 'a\n'.repeat(n), start: 64 },
  { name: 'one long line', make: (n) => 'word '.repeat(n), start: 64 },
];

/** HTML: what the tree builder, the text builder and heading text meet. */
export const HTML_CASES: Case[] = [
  { name: 'deeply nested divs', make: (n) => `${'<div>'.repeat(n)}x${'</div>'.repeat(n)}`, start: 64 },
  { name: 'deeply nested unclosed tags', make: (n) => `${'<div><span>'.repeat(n)}x`, start: 64 },
  { name: 'unmatched close tags inside deep nesting', make: (n) => `${'<div>'.repeat(n)}${'</span>'.repeat(n)}x`, start: 64 },
  { name: 'many small paragraphs', make: (n) => '<p>word</p>'.repeat(n), start: 64 },
  { name: 'many headings', make: (n) => '<h2>Title</h2><p>text</p>'.repeat(n), start: 64 },
  { name: 'one long heading', make: (n) => `<h1>${'a <b>b</b> '.repeat(n)}</h1>`, start: 64 },
  { name: 'long attribute value', make: (n) => `<div title="${'a'.repeat(n * 10)}">x</div>`, start: 64 },
  { name: 'long style attribute', make: (n) => `<div style="${'display '.repeat(n)}">x</div>`, start: 64 },
  { name: 'unclosed tag', make: (n) => `<p>x</p><div ${'a '.repeat(n)}`, start: 64 },
  { name: 'whitespace runs in <pre>', make: (n) => `<pre>${' \t'.repeat(n)}x</pre><p>y</p>`, start: 64 },
  { name: 'many <pre> blocks ending in spaces', make: (n) => '<pre>x   </pre>'.repeat(n), start: 64 },
  { name: 'many line breaks', make: (n) => 'a<br>'.repeat(n), start: 64 },
  { name: 'many table cells', make: (n) => `<table><tr>${'<td>c</td>'.repeat(n)}</tr></table>`, start: 64 },
  { name: 'many empty titles inside deep nesting', make: (n) => `${'<div>'.repeat(n)}${'<title></title>'.repeat(n)}x`, start: 64 },
];

/** Content sniffing (the web process runs it on every upload). */
export const DETECT_CASES: Case[] = [
  { name: 'unclosed comment openers', make: (n) => `${'<!--'.repeat(n)}x`, start: 64 },
  { name: 'whitespace and comments before the doctype', make: (n) => `${' <!-- c --> \n'.repeat(n)}<!doctype html><p>x`, start: 64 },
  { name: 'xml declarations without an end', make: (n) => `${'<?xml '.repeat(n)}x`, start: 64 },
  { name: 'many tags that are not <head> or <body>', make: (n) => '<hea <bod <he>'.repeat(n), start: 64 },
];

/**
 * Chunking of parsed text. These start larger: below a few tens of KB the splitter's time is
 * dominated by its fixed costs and garbage collection, and the ratio says little.
 */
export const CHUNK_CASES: Case[] = [
  { name: 'many Markdown sections', make: (n) => '## Part\nsome text here\n\n'.repeat(n), start: 512 },
  { name: 'one long line without spaces', make: (n) => 'x'.repeat(n * 10), start: 4096 },
  { name: 'many tiny lines', make: (n) => 'a\n'.repeat(n), start: 32768 },
  // A small vocabulary, as in real prose: the old offset search scanned to the end of the line for
  // every piece, and with many near-matches that scan is slow (quadratic in all).
  { name: 'one long line of common words', make: (n) => proseLine(n), start: 16384 },
];

/** `n` words of a 20-word vocabulary with numbers, on one line (deterministic). */
export function proseLine(n: number): string {
  const words = 'harbour ferry tide pilot lighthouse keeper north south cargo quay anchor signal beacon storm chart compass rope deck hull mast'.split(' ');
  const out: string[] = [];
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(`${words[(x >>> 0) % words.length]!}${(x >>> 8) % 1000}`);
  }
  return out.join(' ');
}
