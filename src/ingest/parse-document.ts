/**
 * Chooses the parser for a detected media type and runs it in this process. The ingest worker
 * does not call this directly: it runs it in a child process (see isolated-parser.ts), so a parser
 * that crashes, hangs or eats memory costs one job, not the worker.
 */
import { DOCX_MEDIA_TYPE, ODT_MEDIA_TYPE, PPTX_MEDIA_TYPE, XLSX_MEDIA_TYPE, type MediaType } from '../contracts/ingest.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import type { ChunkingOptions, ChunkSource } from './chunker.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { parseCsv } from './parse-csv.ts';
import { parseDocx } from './parse-docx.ts';
import { parseEpub } from './parse-epub.ts';
import { parseHtml } from './parse-html.ts';
import { parseOdt } from './parse-odt.ts';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from './ocr/ocr-options.ts';
import { parseImage } from './ocr/parse-image.ts';
import { parsePdf, warmPdfReader, type PagesSink } from './parse-pdf.ts';
import { parsePptx } from './parse-pptx.ts';
import { parseRtf } from './parse-rtf.ts';
import { parseText } from './parse-text.ts';
import { parseXlsx } from './parse-xlsx.ts';

export interface ParseOptions {
  /** Longest a PDF may take inside the parser; the isolating runner enforces its own limit too. */
  pdfTimeoutMs?: number;
  /** Called as pages are read (PDF only): pages read so far, page count. */
  onPage?: PageProgress;
  /** Hands pages over as they are read instead of returning them (PDF and images; see parse-pdf.ts). */
  onPages?: PagesSink;
  /** OCR of scanned pages and images; default DEFAULT_OCR_OPTIONS. */
  ocr?: OcrOptions;
  /** Address-space cap of each OCR program, MB. */
  ocrMaxMemoryMb?: number;
  /** Called before a page is recognised by OCR: that page, the page count ("recognising page i/n"). */
  onRecognise?: PageProgress;
}

/** Pages read so far out of the page count; `recognising`: page `done` is being read by OCR. */
export type PageProgress = (done: number, total: number, stage?: 'recognising') => void;

/** Parses `bytes` of a known type. @throws InvalidInputError for problems with the file itself. */
export async function parseDocument(bytes: Uint8Array, type: MediaType, opts: ParseOptions = {}): Promise<ParsedDocument> {
  const ocr = opts.ocr ?? DEFAULT_OCR_OPTIONS;
  switch (type) {
    case 'application/pdf':
      return parsePdf(bytes, {
        ocr,
        ...(opts.pdfTimeoutMs === undefined ? {} : { timeoutMs: opts.pdfTimeoutMs }),
        ...(opts.onPage === undefined ? {} : { onPage: opts.onPage }),
        ...(opts.onPages === undefined ? {} : { onPages: opts.onPages }),
        ...(opts.onRecognise === undefined ? {} : { onRecognise: opts.onRecognise }),
        ...(opts.ocrMaxMemoryMb === undefined ? {} : { ocrMaxMemoryMb: opts.ocrMaxMemoryMb }),
      });
    case 'image/png':
    case 'image/jpeg':
    case 'image/tiff':
    case 'image/webp':
      return parseImage(bytes, { ocr, maxMemoryMb: opts.ocrMaxMemoryMb, onRecognise: opts.onRecognise, onPages: opts.onPages });
    case DOCX_MEDIA_TYPE:
      return parseDocx(bytes);
    case 'text/html':
      return parseHtml(bytes);
    case 'text/markdown':
      return parseText(bytes, { markdown: true });
    case 'text/plain':
      return parseText(bytes);
    case PPTX_MEDIA_TYPE:
      return parsePptx(bytes);
    case XLSX_MEDIA_TYPE:
      return parseXlsx(bytes);
    case 'text/csv':
      return parseCsv(bytes);
    case 'application/epub+zip':
      return parseEpub(bytes);
    case ODT_MEDIA_TYPE:
      return parseOdt(bytes);
    case 'application/rtf':
      return parseRtf(bytes);
  }
}

export type { PagesSink } from './parse-pdf.ts';

/**
 * Loads the code a type's parser needs ahead of the file (pdf.js takes ~1.5 s to load and set up,
 * several on a busy machine), so a parse child can do it before it says `ready` and the parse timeout measures the
 * file, not the loading. Other parsers load in milliseconds.
 */
export async function preloadParser(type: string | undefined): Promise<void> {
  if (type === 'application/pdf') await warmPdfReader();
}

/** Where a parser that chunks stands: pages read / page count (0/0 without pages), and the document's chunk count once known. */
export interface ChunksProgress {
  done: number;
  total: number;
  chunkTotal: number | null;
}

/** Receives a document's chunks in order; the same rules as PagesSink (one call at a time, back-pressure, a rejection ends the parse). */
export type ChunksSink = (chunks: ChunkRecord[], progress: ChunksProgress) => Promise<void>;

/** Asks a parser to chunk what it reads where it reads it (the parse child) and hand over chunks, not pages. */
export interface ChunkingRequest {
  source: ChunkSource;
  options: ChunkingOptions;
  onChunks: ChunksSink;
}

/**
 * What a parser reads: the bytes, or the stored file's path (a parse child reads it there, so a
 * large file never sits in the ingest worker's memory, nor in the IPC channel).
 */
export type ParseInput = Uint8Array | { path: string };

/**
 * What the pipeline's parse step calls: in-process, or isolated in a child process. A parser may
 * hand pages over through `onPages` while it reads (calls never overlap, the next batch is read
 * after the previous call resolved, a rejection ends the parse with that error); the pages it
 * handed over are left out of the returned document. Parsers that cannot stream ignore it.
 * A parser that honours `chunking` (the isolated one) hands every chunk of the document to its
 * `onChunks` and returns no pages; one that ignores it returns or streams pages as above.
 */
export type DocumentParser = (input: ParseInput, type: MediaType, onPage?: PageProgress, onPages?: PagesSink, chunking?: ChunkingRequest) => Promise<ParsedDocument>;
