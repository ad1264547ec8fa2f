/** The chunker never loses text, reports true offsets, overlaps neighbours and keeps pages apart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkDocument, locatePieces } from '../../src/ingest/chunker.ts';
import type { ParsedDocument } from '../../src/ingest/parsed-document.ts';
import type { ChunkRecord } from '../../src/ports/vector-store.ts';

const DOC = 'a'.repeat(64);

/** Deterministic prose with paragraphs, short lines, long "words" and repeated phrases. */
function prose(seed: number, words: number): string {
  const vocab = ['harbour', 'ferry', 'the', 'lighthouse', 'of', 'tide', 'north', 'pier', 'x'.repeat(130), 'wind', 'a'];
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out.push(vocab[s % vocab.length]!);
    if (s % 17 === 0) out.push('\n\n');
    else if (s % 11 === 0) out.push('\n');
  }
  return out.join(' ');
}

function coverage(text: string, chunks: ChunkRecord[]): void {
  const covered = new Uint8Array(text.length);
  for (const c of chunks) {
    assert.equal(text.slice(c.start, c.end), c.text, `offsets of ${c.chunkId} point at its text`);
    covered.fill(1, c.start, c.end);
  }
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) assert.match(text[i]!, /\s/, `character ${i} (${JSON.stringify(text[i])}) is in no chunk`);
  }
}

void test('every non-whitespace character is in a chunk, and offsets point at the chunk text', async () => {
  for (const [size, overlap] of [[200, 40], [100, 0], [1000, 150], [150, 149]] as const) {
    const text = prose(size + overlap, 1500);
    const chunks = await chunkDocument({ documentId: DOC, documentName: 'p.txt', mediaType: 'text/plain' }, { pages: [{ page: null, text }], pageCount: null }, { size, overlap });
    assert.ok(chunks.length > 3, `several chunks at size ${size}`);
    coverage(text, chunks);
    for (const c of chunks) assert.ok(c.text.length <= size, `chunk of ${c.text.length} > ${size}`);
  }
});

void test('neighbouring chunks overlap by at most the configured overlap', async () => {
  // One paragraph of short words: the splitter overlaps neighbours within a level of separators.
  const text = prose(7, 800).replace(/x{130}/g, 'long').replace(/\s+/g, ' ');
  const chunks = await chunkDocument({ documentId: DOC, documentName: 'p.txt', mediaType: 'text/plain' }, { pages: [{ page: null, text }], pageCount: null }, { size: 200, overlap: 50 });
  let overlapping = 0;
  for (let i = 1; i < chunks.length; i++) {
    const prev = chunks[i - 1]!;
    const cur = chunks[i]!;
    assert.ok(cur.start > prev.start, 'chunks are in order');
    if (cur.start < prev.end) {
      overlapping++;
      assert.ok(prev.end - cur.start <= 50, `overlap ${prev.end - cur.start} > 50`);
    }
  }
  assert.equal(overlapping, chunks.length - 1, 'every neighbour overlaps');
});

void test('chunks keep their page, never span pages, and have stable ids numbered across the document', async () => {
  const parsed: ParsedDocument = {
    pages: [
      { page: 1, text: prose(1, 120) },
      { page: 3, text: prose(2, 120) },
    ],
    pageCount: 3,
  };
  const source = { documentId: DOC, documentName: 'guide.pdf', mediaType: 'application/pdf' } as const;
  const chunks = await chunkDocument(source, parsed, { size: 300, overlap: 30 });
  assert.deepEqual([...new Set(chunks.map((c) => c.page))], [1, 3]);
  for (const page of parsed.pages) coverage(page.text, chunks.filter((c) => c.page === page.page));
  assert.deepEqual(
    chunks.map((c) => c.chunkId),
    chunks.map((_, i) => `${DOC}:${i}`),
  );
  assert.ok(chunks.every((c) => c.documentId === DOC && c.documentName === 'guide.pdf'));
  const again = await chunkDocument(source, parsed, { size: 300, overlap: 30 });
  assert.deepEqual(again, chunks, 'same input, same chunks');
});

void test('Markdown is split at headings before paragraphs', async () => {
  const section = (title: string) => `## ${title}\n\n${'Words about the topic. '.repeat(5)}\n`;
  const text = `${section('Fees')}\n${section('Weather')}\n${section('Opening hours')}`;
  const chunks = await chunkDocument({ documentId: DOC, documentName: 'g.md', mediaType: 'text/markdown' }, { pages: [{ page: null, text }], pageCount: null }, { size: 160, overlap: 0 });
  // Plain-text splitting would end a chunk with the next section's heading; Markdown splitting never does.
  assert.deepEqual(
    chunks.map((c) => c.text.split('\n')[0]),
    ['## Fees', '## Weather', '## Opening hours'],
  );
  for (const c of chunks) assert.equal(c.text.lastIndexOf('## '), 0, `one heading, at the start: ${JSON.stringify(c.text)}`);
  coverage(text, chunks);
});

void test('locatePieces places repeated text so that nothing is skipped', () => {
  const text = 'abc abc abc abc';
  assert.deepEqual(locatePieces(text, ['abc abc', 'abc abc'], 0), [
    { start: 0, end: 7 },
    { start: 8, end: 15 },
  ]);
  // "a" also occurs early; it must be placed where the text would otherwise be skipped.
  const t2 = 'a big a of harbour';
  assert.deepEqual(locatePieces(t2, ['a big', 'a of', 'harbour'], 3), [
    { start: 0, end: 5 },
    { start: 6, end: 10 },
    { start: 11, end: 18 },
  ]);
  assert.throws(() => locatePieces(text, ['zzz'], 0), /not a substring/);
});
