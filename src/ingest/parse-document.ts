/**
 * Chooses the parser for a detected media type and runs it in this process. The ingest worker
 * does not call this directly: it runs it in a child process (see isolated-parser.ts), so a parser
 * that crashes, hangs or eats memory costs one job, not the worker.
 */
import { DOCX_MEDIA_TYPE, type MediaType } from '../contracts/ingest.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { parseDocx } from './parse-docx.ts';
import { parseHtml } from './parse-html.ts';
import { parsePdf } from './parse-pdf.ts';
import { parseText } from './parse-text.ts';

export interface ParseOptions {
  /** Longest a PDF may take inside the parser; the isolating runner enforces its own limit too. */
  pdfTimeoutMs?: number;
  /** Called as pages are read (PDF only): pages read so far, page count. */
  onPage?: PageProgress;
}

/** Pages read so far out of the page count. */
export type PageProgress = (done: number, total: number) => void;

/** Parses `bytes` of a known type. @throws InvalidInputError for problems with the file itself. */
export async function parseDocument(bytes: Uint8Array, type: MediaType, opts: ParseOptions = {}): Promise<ParsedDocument> {
  switch (type) {
    case 'application/pdf':
      return parsePdf(bytes, {
        ...(opts.pdfTimeoutMs === undefined ? {} : { timeoutMs: opts.pdfTimeoutMs }),
        ...(opts.onPage === undefined ? {} : { onPage: opts.onPage }),
      });
    case DOCX_MEDIA_TYPE:
      return parseDocx(bytes);
    case 'text/html':
      return parseHtml(bytes);
    case 'text/markdown':
      return parseText(bytes, { markdown: true });
    case 'text/plain':
      return parseText(bytes);
  }
}

/** What the pipeline's parse step calls: in-process, or isolated in a child process. */
export type DocumentParser = (bytes: Uint8Array, type: MediaType, onPage?: PageProgress) => Promise<ParsedDocument>;
