/**
 * Adversarial inputs: every parser's time grows about linearly with its input. Each case is run
 * in-process at 1x and 4x (tests/support/adversarial-inputs.ts), the 1x size calibrated to take
 * tens of ms, and the ratio t(4x)/t(1x) (fastest of several runs, tests/support/growth.ts) must
 * stay under 8: linear work gives about 4, quadratic about 16. A ratio, not a time budget, so a
 * busy machine does not fail it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkDocument, locatePieces } from '../../src/ingest/chunker.ts';
import { detectMediaType } from '../../src/ingest/detect-type.ts';
import { markdownSections, plainHeading } from '../../src/ingest/markdown-sections.ts';
import { parseHtml } from '../../src/ingest/parse-html.ts';
import { HEADING_MAX_CHARS } from '../../src/ingest/parsed-document.ts';
import { parseText } from '../../src/ingest/parse-text.ts';
import { CHUNK_CASES, DETECT_CASES, HTML_CASES, MARKDOWN_CASES, proseLine, type Case } from '../support/adversarial-inputs.ts';
import { describeGrowth, measureGrowth } from '../support/growth.ts';

const BOUND = 8;
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Inputs stay below this at 1x (16 MB at 4x): bigger ones mostly measure the memory system. */
const MAX_CHARS = 4 * 2 ** 20;

async function assertLinear(c: Case, run: (bytes: Uint8Array) => unknown): Promise<void> {
  const max = c.max ?? Math.floor((MAX_CHARS * 1000) / c.make(1000).length);
  const g = await measureGrowth((n) => encode(c.make(n)), run, { start: c.start, max });
  console.log(`${c.name}: ${describeGrowth(g)}`);
  assert.ok(g.ratio < BOUND, `${c.name}: time grows faster than the input: ${describeGrowth(g)}`);
}

for (const c of MARKDOWN_CASES) {
  void test(`Markdown, ${c.name}: linear`, () => assertLinear(c, (b) => parseText(b, { markdown: true })));
}

for (const c of MARKDOWN_CASES.filter((k) => k.name === 'one long line' || k.name === 'many tiny lines')) {
  void test(`plain text, ${c.name}: linear`, () => assertLinear(c, (b) => parseText(b)));
}

for (const c of HTML_CASES) {
  void test(`HTML, ${c.name}: linear`, () => assertLinear(c, (b) => parseHtml(b)));
}

for (const c of DETECT_CASES) {
  void test(`type detection, ${c.name}: linear`, () => assertLinear(c, (b) => detectMediaType(b, 'page.html')));
}

for (const c of CHUNK_CASES) {
  const source = { documentId: 'a'.repeat(64), documentName: 'doc.md', mediaType: 'text/markdown' as const };
  void test(`chunking, ${c.name}: linear`, () =>
    assertLinear(c, (b) => {
      const doc = parseText(b, { markdown: true });
      return chunkDocument(source, doc, { size: 1000, overlap: 150 });
    }));
}

// The rewritten heading reader must read every line as the regular expression it replaces did.
const OLD_ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const OLD_PLAIN = (raw: string): string =>
  raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();

function* strings(alphabet: string[], maxLength: number): Generator<string> {
  let layer = [''];
  for (let len = 1; len <= maxLength; len++) {
    const next: string[] = [];
    for (const s of layer) for (const a of alphabet) next.push(s + a);
    yield* next;
    layer = next;
  }
}

void test('ATX headings are read as before, for every short line of spaces, tabs, #s and text', () => {
  for (const line of strings([' ', '\t', '#', 'a', '\u2028'], 7)) {
    const old = OLD_ATX.exec(line);
    const want = old ? [{ start: 0, path: OLD_PLAIN(old[2] ?? '') }] : [];
    // A line that is no ATX heading may still be text; only headings are compared.
    const got = markdownSections(line).filter((s) => s.start === 0);
    assert.deepEqual(got, want, JSON.stringify(line));
  }
});

void test('heading text is cleaned as before, for every short mix of links, tags and emphasis', () => {
  for (const raw of strings(['!', '[', ']', '(', ')', '<', '>', '*', 'a', ' '], 6)) {
    assert.equal(plainHeading(raw), OLD_PLAIN(raw), JSON.stringify(raw));
  }
  for (const raw of strings(['*', '_', '`', 'a', ' ', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000'], 5)) {
    assert.equal(plainHeading(raw), OLD_PLAIN(raw), JSON.stringify(raw));
  }
  for (const raw of ['[[a](b)', '![x](y) and [z](w)', '<<b>>x</b>', '<>x<', '![a]![b](c)', '[a](b](c)', '**bold** `code` _em_']) {
    assert.equal(plainHeading(raw), OLD_PLAIN(raw), raw);
  }
});

void test('HTML nested past the depth cap keeps all its text, and hidden content stays hidden', () => {
  const deep = parseHtml(encode(`${'<div>a '.repeat(2000)}${'</div>'.repeat(2000)}<p>end</p>`));
  assert.equal(deep.pages[0]!.text.match(/a/g)?.length, 2000);
  assert.match(deep.pages[0]!.text, /end$/);
  const hidden = parseHtml(encode(`${'<div>'.repeat(100)}<div hidden>secret</div>shown${'</div>'.repeat(100)}`));
  assert.equal(hidden.pages[0]!.text, 'shown');
});

void test('a huge heading is cut in section paths, so its chunks do not each carry a copy of it', () => {
  const md = markdownSections(`# ${'['.repeat(200_000)}\n\ntext\n## second ${'<'.repeat(50_000)}\n`);
  assert.equal(md.length, 2);
  for (const s of md) assert.ok(s.path.length <= 2 * HEADING_MAX_CHARS + 3, `path of ${s.path.length} characters`);
  assert.ok(md[0]!.path.endsWith('…'));
  const html = parseHtml(Buffer.from(`<h1>${'a '.repeat(100_000)}</h1><p>body</p><h2>short</h2><p>more</p>`));
  const paths = (html.pages[0]?.sections ?? []).map((s) => s.path);
  assert.ok(paths.every((p) => p.length <= 2 * HEADING_MAX_CHARS + 3), paths.map((p) => p.length).join(','));
  assert.ok(paths.at(-1)!.endsWith('> short'));
  // Short headings are kept whole.
  assert.deepEqual(markdownSections('# Install\n## Linux\n').map((s) => s.path), ['Install', 'Install > Linux']);
});

void test('locating chunk offsets on one long line of common words: linear', async () => {
  // Pieces as the splitter cuts them: about 1000 characters at word boundaries, 150 shared.
  const make = (n: number): { text: string; pieces: string[] } => {
    const text = proseLine(n);
    const pieces: string[] = [];
    for (let at = 0; at < text.length; ) {
      let end = Math.min(text.length, at + 1000);
      if (end < text.length) end = text.lastIndexOf(' ', end);
      pieces.push(text.slice(at, end));
      if (end >= text.length) break;
      at = text.indexOf(' ', end - 150) + 1;
    }
    return { text, pieces };
  };
  const g = await measureGrowth(make, ({ text, pieces }) => locatePieces(text, pieces, 150), { start: 16384, max: 1 << 20 });
  console.log(`locating offsets: ${describeGrowth(g)}`);
  assert.ok(g.ratio < BOUND, describeGrowth(g));
});
