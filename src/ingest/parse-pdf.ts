/**
 * PDF parser on pdf-parse 2 (pdf.js): per-page text with 1-based page numbers.
 *
 * Every failure caused by the file itself becomes an InvalidInputError with a message a person can
 * act on (corrupt, password-protected, scanned, too slow to read), so the ingest worker fails the
 * document instead of retrying it. pdf-parse is imported on first use: it loads pdf.js (~1 s).
 */
import { errorMessage, InvalidInputError } from '../errors.ts';
import { hasText, normaliseText, type ParsedDocument, type ParsedPage } from './parsed-document.ts';

export interface ParsePdfOptions {
  /** Longest time reading one PDF may take before it is refused. Default 120 000 ms. */
  timeoutMs?: number;
  /** Called after each batch of pages: pages read so far, page count. */
  onPage?: (done: number, total: number) => void;
}

/** Pages read per pdf.js call: small enough for a live "page i/n", large enough to cost nothing. */
const PAGES_PER_STEP = 10;

const DEFAULT_TIMEOUT_MS = 120_000;

function translate(err: unknown): InvalidInputError {
  if (err instanceof InvalidInputError) return err;
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') {
    return new InvalidInputError('the PDF is password-protected; remove the password and upload it again', {
      code: 'encrypted',
      cause: err,
    });
  }
  // Whatever else pdf.js throws on these bytes will be thrown again on every attempt.
  return new InvalidInputError(`the PDF could not be read (${errorMessage(err)})`, { code: 'unreadable', cause: err });
}

interface PageText {
  num: number;
  text: string;
}

/** Reads the pages a batch at a time (pdf.js loads the document once), reporting after each batch. */
async function readPages(
  parser: { getText(p: { first: number; last: number }): Promise<{ total: number; pages: PageText[] }> },
  onPage?: (done: number, total: number) => void,
): Promise<{ total: number; pages: PageText[] }> {
  const pages: PageText[] = [];
  let total = Infinity;
  for (let first = 1; first <= total; first += PAGES_PER_STEP) {
    const last = first + PAGES_PER_STEP - 1;
    const r = await parser.getText({ first, last });
    total = r.total;
    pages.push(...r.pages);
    onPage?.(Math.min(last, total), total);
  }
  return { total: total === Infinity ? 0 : total, pages };
}

/**
 * Extracts the text of every page.
 * @throws InvalidInputError when the PDF is corrupt, encrypted, has no text, or takes too long.
 */
export async function parsePdf(bytes: Uint8Array, opts: ParsePdfOptions = {}): Promise<ParsedDocument> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { PDFParse, VerbosityLevel } = await import('pdf-parse');
  // A copy: pdf.js may take ownership of (detach) the buffer it is given; the caller keeps theirs.
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: VerbosityLevel.ERRORS });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reading = readPages(parser, opts.onPage);
    reading.catch(() => undefined); // it may settle after the timeout won the race
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new InvalidInputError(`the PDF took longer than ${Math.round(timeoutMs / 1000)} s to read; it may be damaged or too complex`, { code: 'timeout' }));
      }, timeoutMs);
    });
    const result = await Promise.race([reading, timeout]);
    const pages: ParsedPage[] = [];
    for (const p of result.pages) {
      const text = normaliseText(p.text);
      if (hasText(text)) pages.push({ page: p.num, text });
    }
    if (pages.length === 0) {
      throw new InvalidInputError('the PDF has no extractable text (is it a scan?)', { code: 'no_text' });
    }
    return { pages, pageCount: result.total };
  } catch (err) {
    throw translate(err);
  } finally {
    clearTimeout(timer);
    await parser.destroy().catch(() => undefined);
  }
}
