/**
 * The hostile inputs of `npm run bench:hostile`, at the sizes that were seen to hurt: regex
 * backtracking in Markdown headings, deep and long HTML, a 20 MB single-line text, decompression
 * bombs in a DOCX and a PDF. Each is generated (no binary fixtures); the bombs come from the tests'
 * maker (tests/support/make-bomb.ts), which never holds the gigabyte they unpack to.
 */
import { proseLine } from '../tests/support/adversarial-inputs.ts';
import { docxBomb, pdfFlateBomb } from '../tests/support/make-bomb.ts';

export interface HostileFile {
  name: string;
  /** What it is, for the report. */
  what: string;
  bytes: () => Buffer;
  /**
   * Real work too large to finish in seconds (tens of thousands of chunks to embed): judged on the
   * time its parse and chunking take and on the service staying responsive while it embeds.
   */
  longIngest?: boolean;
}

const MB = 1024 * 1024;

/**
 * `bytes` of words on one line, never repeating a passage (the tests' seeded prose line), so every
 * chunk is real work for the embedder (repeated passages are embedded once).
 */
function oneLine(bytes: number): Buffer {
  // Words average about ten characters with their space: eight per word leaves enough to cut.
  const line = proseLine(Math.ceil(bytes / 8));
  if (line.length < bytes) throw new Error(`the prose line has ${line.length} of ${bytes} characters`);
  return Buffer.from(line.slice(0, bytes));
}

/** The files of the hostile set: the cases that were measured to hurt, at the sizes that did. */
export function hostileFiles(): HostileFile[] {
  return [
    { name: 'heading-spaces-tabs.md', what: 'Markdown heading of 1,500 space/tab pairs (3 KB)', bytes: () => Buffer.from(`# a${' \t'.repeat(1500)}b\n\ntext\n`) },
    { name: 'heading-brackets.md', what: 'Markdown heading of 200,000 [', bytes: () => Buffer.from(`# ${'['.repeat(200_000)}\n\ntext\n`) },
    { name: 'heading-angles.md', what: 'Markdown heading of 200,000 <', bytes: () => Buffer.from(`# ${'<'.repeat(200_000)}\n\ntext\n`) },
    { name: 'nested-divs.html', what: 'HTML, 200,000 nested divs', bytes: () => Buffer.from(`<html><body>${'<div>'.repeat(200_000)}deep text${'</div>'.repeat(200_000)}</body></html>`) },
    { name: 'paragraphs.html', what: 'HTML, 80,000 <p>word</p>', bytes: () => Buffer.from(`<html><body>${'<p>word</p>'.repeat(80_000)}</body></html>`) },
    { name: 'bomb.docx', what: 'DOCX whose document part inflates to 1 GB', bytes: () => docxBomb(1024) },
    { name: 'bomb.pdf', what: 'PDF whose content stream inflates to 1 GB', bytes: () => pdfFlateBomb(1024) },
    // Last: its embedding goes on while the rest of the set runs.
    { name: 'one-line.txt', what: '20 MB text on a single line', bytes: () => oneLine(20 * MB), longIngest: true },
  ];
}
