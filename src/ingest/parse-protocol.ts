/**
 * The message protocol between the ingest worker and a parse child process (Node IPC with the
 * `advanced` serialization, so bytes travel as a Uint8Array, not base64). One child serves one
 * request: the parent sends a ParseRequest, the child answers with one ParseReply and the parent
 * ends it. The child first says `ready` once its code is loaded, so the parse timeout measures the
 * parse and not the start-up of a child on a busy machine. Anything else (exit without a reply, a
 * timeout) is judged by the parent. While a PDF is read the child also sends `progress` (pages read
 * so far out of the page count), so the documents page can show "parsing page i/n", and before
 * each page it reads by OCR (`recognising`), so it can show "recognising page i/n".
 *
 * Streaming (request `stream: true`, PDF only): instead of keeping the pages, the child sends them
 * as it reads them, in `pages` messages (which also carry the progress), and its final `parsed`
 * document holds no pages, only the page count. Flow control is by credit: the child may have at
 * most STREAM_WINDOW `pages` messages that the parent has not answered with `more`; it stops
 * reading until it gets one. So the child is never far ahead of the parent's chunking and
 * embedding, and neither side holds more than a few batches of page text.
 *
 * Chunking (request `chunk`, any format): the child also chunks what it reads (chunker.ts, the same
 * settings and chunk numbering as in the parent) and sends `chunks` messages of at most
 * CHUNKS_PER_MESSAGE chunks instead of pages, under the same credit. The recursive splitter is the
 * costliest step of a large text (about 1.5 s of CPU and 300 MB for a 20 MB file on one line), so it
 * runs here, within the child's heap cap and timeout, and never on the parent's event loop. A
 * message's `chunkTotal` is the document's chunk count once the child has chunked the last page
 * (for a non-PDF, from the first message on), else null. The final `parsed` document holds no pages.
 */
import type { MediaType } from '../contracts/ingest.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import type { ChunkSource } from './chunker.ts';
import type { OcrOptions } from './ocr/ocr-options.ts';
import type { ParsedDocument, ParsedPage } from './parsed-document.ts';

/** `pages` messages the child may send before it waits for a `more` (10 pages each for PDFs). */
export const STREAM_WINDOW = 4;

/** Most chunks in one `chunks` message (about 256 KB of text): small enough to clone in a few ms. */
export const CHUNKS_PER_MESSAGE = 256;

/** What a chunking request names: the document (for chunk ids and citations) and the chunker settings. */
export interface ChunkSpec {
  source: ChunkSource;
  size: number;
  overlap: number;
}

export interface ParseRequest {
  kind: 'parse';
  /** The file's bytes, or (`path`) where the child reads them itself: exactly one of the two. */
  bytes?: Uint8Array;
  /** The stored file: the parent never holds a large file's bytes, nor their serialized copy. */
  path?: string;
  type: MediaType;
  /** The parent's timeout; the child's own PDF timeout is set a little later so the parent's wins. */
  timeoutMs: number;
  /** Send pages as they are read (see above); formats that cannot stream answer as usual. */
  stream?: boolean;
  /** Chunk in the child and send `chunks` instead of pages (see above); implies streaming. */
  chunk?: ChunkSpec;
  /** OCR settings (config OCR_*); absent: the defaults. */
  ocr?: OcrOptions;
  /** Address-space cap of each OCR program the child starts, MB (the parse's memory limit). */
  ocrMaxMemoryMb?: number;
}

/** From the parent while streaming: one more `pages` message may be sent. */
export interface MoreCredit {
  kind: 'more';
}

export type ParseReply =
  | { kind: 'ready' }
  /**
   * `recognising`: page `done` of `total` is about to be read by OCR; the parent then adds
   * `ocr.pageTimeoutMs` to the parse's time budget (ocr/ocr-options.ts) and shows "recognising page i/n".
   */
  | { kind: 'progress'; done: number; total: number; recognising?: boolean }
  | { kind: 'pages'; pages: ParsedPage[]; done: number; total: number }
  /** `done`/`total`: pages read so far and the page count (0/0 for formats without pages). */
  | { kind: 'chunks'; chunks: ChunkRecord[]; done: number; total: number; chunkTotal: number | null }
  | { kind: 'parsed'; document: ParsedDocument }
  | {
      kind: 'error';
      message: string;
      code: string;
      /** True when the file itself is at fault (InvalidInputError): never retried. */
      invalidInput: boolean;
      retryable: boolean;
    };

export function isParseRequest(m: unknown): m is ParseRequest {
  const r = m as Partial<ParseRequest> | null;
  return typeof r === 'object' && r !== null && r.kind === 'parse' && (r.bytes instanceof Uint8Array) !== (typeof r.path === 'string') && typeof r.type === 'string';
}

export function isParseReply(m: unknown): m is ParseReply {
  const r = m as { kind?: unknown } | null;
  return typeof r === 'object' && r !== null && (r.kind === 'ready' || r.kind === 'progress' || r.kind === 'pages' || r.kind === 'chunks' || r.kind === 'parsed' || r.kind === 'error');
}

export function isMoreCredit(m: unknown): m is MoreCredit {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'more';
}
