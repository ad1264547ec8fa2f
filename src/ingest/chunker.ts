/**
 * Splits parsed pages into overlapping chunks with LangChain's RecursiveCharacterTextSplitter
 * (paragraphs, then lines, then words, then characters), page by page so a chunk never spans two
 * pages and its citation names one page (nor two chapters of an e-book, whose one page holds them all).
 *
 * The splitter returns strings only. Each chunk is a trimmed, contiguous substring of its page
 * (separators are kept), so its offsets are recovered by locating the chunks in order (see
 * locatePieces). Invariant, tested: `pageText.slice(start, end) === text`, and every
 * non-whitespace character of a page lies inside some chunk.
 *
 * Each chunk carries the heading path in force where it starts (Markdown/HTML headings), so a
 * citation can say which section it comes from, and its location in the format's own unit (page,
 * slide, sheet rows, chapter: src/contracts/location.ts), so the citation names the right one.
 *
 * Chunk ids are `<documentId>:<index>`: stable for the same content and chunker settings, which is
 * what makes re-ingesting a document replace its chunks rather than add new ones.
 */
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import type { MediaType } from '../contracts/ingest.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { sectionAt, type ParsedDocument, type ParsedPage, type Section } from './parsed-document.ts';

export interface ChunkingOptions {
  /** Most characters in a chunk (config CHUNK_SIZE, default 1000). */
  size: number;
  /** Characters shared by neighbouring chunks (config CHUNK_OVERLAP, default 150). */
  overlap: number;
}

export interface ChunkSource {
  documentId: string;
  documentName: string;
  mediaType: MediaType;
}

function splitterFor(mediaType: MediaType, opts: ChunkingOptions): RecursiveCharacterTextSplitter {
  const fields = { chunkSize: opts.size, chunkOverlap: opts.overlap };
  // Markdown splits on headings first, so a section stays together where it fits.
  return mediaType === 'text/markdown'
    ? RecursiveCharacterTextSplitter.fromLanguage('markdown', fields)
    : new RecursiveCharacterTextSplitter(fields);
}

interface Span {
  start: number;
  end: number;
}

function nextNonSpace(text: string, from: number): number {
  const m = /\S/g;
  m.lastIndex = from;
  return m.exec(text)?.index ?? text.length;
}

/**
 * Occurrences of `piece` starting in [lo, hi], latest first. Searched inside that window only: an
 * indexOf over the rest of the text looked for one more occurrence after the last, scanning to the
 * end of a 20 MB line for every piece (quadratic).
 */
function occurrences(text: string, piece: string, lo: number, hi: number): number[] {
  const window = text.slice(lo, hi + piece.length);
  const found: number[] = [];
  for (let at = window.indexOf(piece); at >= 0; at = window.indexOf(piece, at + 1)) found.push(lo + at);
  return found.reverse();
}

/** Fallback for a splitter that broke the coverage invariant: first match after the last chunk. */
function locateGreedy(text: string, pieces: string[], overlap: number): Span[] {
  let prevEnd = 0;
  return pieces.map((piece) => {
    const start = text.indexOf(piece, Math.max(0, prevEnd - overlap));
    if (start < 0) throw new Error('chunker: a chunk is not a substring of its page (splitter behaviour changed?)');
    prevEnd = start + piece.length;
    return { start, end: prevEnd };
  });
}

/**
 * Where each piece lies in `text`. Pieces come in order; each starts no earlier than the previous
 * one's end minus `overlap`, and no later than the first non-whitespace character after it (the
 * splitter drops only whitespace). In repetitive text several places can match a piece, so this
 * is a depth-first search over candidates (latest first), which in practice never backtracks.
 */
export function locatePieces(text: string, pieces: string[], overlap: number): Span[] {
  const starts: number[] = [];
  const candidates: Array<number[] | undefined> = [];
  const lastNonSpace = text.search(/\S\s*$/);
  let i = 0;
  let steps = 0;
  // Bounded by the number of pieces, so even text that backtracks (one character repeated, where
  // every place matches) costs time in proportion to its length, then falls back to greedy.
  const maxSteps = 1000 + 4 * pieces.length;
  for (;;) {
    if (i === pieces.length) {
      if (i === 0 || starts[i - 1]! + pieces[i - 1]!.length > lastNonSpace) break;
      i--; // the last piece must reach the end of the text: try its other places
    }
    if (i < 0 || ++steps > maxSteps) return locateGreedy(text, pieces, overlap);
    if (candidates[i] === undefined) {
      const prevStart = i === 0 ? 0 : starts[i - 1]!;
      const prevEnd = i === 0 ? 0 : prevStart + pieces[i - 1]!.length;
      candidates[i] = occurrences(text, pieces[i]!, Math.max(prevStart, prevEnd - overlap), nextNonSpace(text, prevEnd));
    }
    const next = candidates[i]!.shift();
    if (next === undefined) {
      candidates[i] = undefined;
      i--;
      continue;
    }
    starts[i] = next;
    i++;
  }
  return pieces.map((piece, k) => ({ start: starts[k]!, end: starts[k]! + piece.length }));
}

/** Letters or digits a passage needs per this many characters to be indexed. */
const CHARS_PER_WORD_CHAR = 50;
const WORD_CHAR = /[\p{L}\p{N}]/gu;

/**
 * Whether a passage says anything a question could find: at least one letter or digit per 50
 * characters. A run of punctuation (a line of 200,000 `[`, a table rule) is left out of the index:
 * it cannot answer a question, and it costs the embedder the most (one token per character, so every
 * such chunk is a maximum-length sequence).
 */
export function worthIndexing(text: string): boolean {
  const needed = Math.max(1, Math.floor(text.length / CHARS_PER_WORD_CHAR));
  let found = 0;
  WORD_CHAR.lastIndex = 0;
  while (WORD_CHAR.exec(text) !== null) if (++found >= needed) return true;
  return false;
}

/**
 * The [from, to) stretches of a page that lie in one location each: the whole page, unless its
 * sections change the location (an e-book's chapters), so no chunk starts in one chapter and runs
 * into the next, where its citation would name the first for text of the second.
 */
function unitSpans(text: string, sections: readonly Section[] | undefined): Array<[number, number]> {
  const cuts = [0];
  let unit: string | undefined;
  for (const s of sections ?? []) {
    if (s.location === unit) continue;
    unit = s.location;
    if (s.start > cuts.at(-1)! && s.start < text.length) cuts.push(s.start);
  }
  return cuts.map((from, i) => [from, cuts[i + 1] ?? text.length]);
}

/**
 * Chunks pages as they come, numbering chunks across the whole document: feeding a document's pages
 * in order, in any number of calls, gives exactly what chunkDocument gives for the whole document.
 */
export function createChunker(source: ChunkSource, opts: ChunkingOptions): (pages: readonly ParsedPage[]) => Promise<ChunkRecord[]> {
  const splitter = splitterFor(source.mediaType, opts);
  let next = 0;
  return async (pages) => {
    const chunks: ChunkRecord[] = [];
    for (const { page, text, sections, ocr, location } of pages) {
      for (const [from, to] of unitSpans(text, sections)) {
        const part = text.slice(from, to);
        const pieces = await splitter.splitText(part);
        const spans = locatePieces(part, pieces, opts.overlap);
        pieces.forEach((piece, i) => {
          const start = from + spans[i]!.start;
          if (!worthIndexing(piece)) return;
          const section = sectionAt(sections, start);
          // A page number needs no location of its own: "page N" is what a citation of it says (placeOf).
          const unit = section?.location ?? location ?? null;
          chunks.push({
            chunkId: `${source.documentId}:${next++}`,
            documentId: source.documentId,
            documentName: source.documentName,
            page,
            text: piece,
            start,
            end: from + spans[i]!.end,
            headingPath: section === null || section.path === '' ? null : section.path,
            ...(unit === null ? {} : { location: unit }),
            ...(ocr ? { ocr } : {}),
          });
        });
      }
    }
    return chunks;
  };
}

/** Chunks every page of a parsed document, numbering chunks across the whole document. */
export function chunkDocument(source: ChunkSource, parsed: ParsedDocument, opts: ChunkingOptions): Promise<ChunkRecord[]> {
  return createChunker(source, opts)(parsed.pages);
}
