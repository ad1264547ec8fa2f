/**
 * PDF parser on pdf-parse 2 (pdf.js): per-page text with 1-based page numbers. Pages without a text
 * layer (scans) are rendered and read by OCR (ocr/pdf-page-ocr.ts) unless OCR is off; their text
 * is marked `ocr`. A mixed PDF keeps the text layer of every page that has one.
 *
 * Every failure caused by the file itself becomes an InvalidInputError with a message a person can
 * act on (corrupt, password-protected, scanned, too slow to read), so the ingest worker fails the
 * document instead of retrying it. pdf-parse is imported on first use (pdf-reader.ts): it loads pdf.js (~1 s).
 *
 * With `onPages` the pages are handed over a batch at a time as they are read (the ingest pipeline
 * chunks and embeds them while the rest is read) and are not kept here; reading waits for each
 * hand-over, which is the back-pressure that keeps memory bounded, and that wait does not count
 * against the timeout.
 */
import { AppError, errorMessage, InvalidInputError } from '../errors.ts';
import { hasText, normaliseText, type ParsedDocument, type ParsedPage } from './parsed-document.ts';
import { ParseTimer } from './parse-timer.ts';
import { keepNativePush, loadPdfParse } from './pdf-reader.ts';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from './ocr/ocr-options.ts';
import { PdfPageOcr } from './ocr/pdf-page-ocr.ts';
import { OcrAborted } from './ocr/tesseract.ts';

export interface ParsePdfOptions {
  /** Longest time reading one PDF may take before it is refused (plus OCR time per recognised page). Default 120 000 ms. */
  timeoutMs?: number;
  /** Called after each batch of pages: pages read so far, page count. */
  onPage?: (done: number, total: number) => void;
  /**
   * Receives the pages that carry text after each batch (pages read so far, page count); the next
   * batch is read once the returned promise resolves, and its rejection ends the parse with that
   * error. Pages handed over are left out of the result, which then carries the page count only.
   */
  onPages?: PagesSink;
  /** OCR of the pages without a text layer; default DEFAULT_OCR_OPTIONS (on, English). */
  ocr?: OcrOptions;
  /** Called before a page is recognised by OCR: that page, the page count. */
  onRecognise?: (page: number, total: number) => void;
  /** Address-space cap of each OCR program, MB (the parse's memory limit). */
  ocrMaxMemoryMb?: number;
}

export type PagesSink = (pages: ParsedPage[], done: number, total: number) => Promise<void>;

/** Wraps an error of the `onPages` consumer, so it is passed on as it is, not blamed on the file. */
class ConsumerError extends Error {
  constructor(readonly inner: unknown) {
    super('the page consumer failed');
  }
}

/** Pages read per pdf.js call: small enough for a live "page i/n", large enough to cost nothing. */
const PAGES_PER_STEP = 10;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A page whose text layer has fewer letters and digits than this, and an image on it, is read by
 * OCR instead (a scan, perhaps with a stamped page number or a few words of hidden text). A page
 * without an image is never read by OCR: a blank separator page costs a `pdfimages -list` (tens of
 * ms), not a recognition (a second or more), and a short page of real text keeps its text. Text
 * drawn as vector outlines with no image is therefore not read.
 */
const FEW_CHARS = 16;

function translate(err: unknown): AppError {
  // The file's own refusals, and an OCR program that is missing (not the file's fault).
  if (err instanceof AppError && !(err instanceof OcrAborted)) return err;
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

interface ReadOptions {
  onPage: ((done: number, total: number) => void) | undefined;
  onPages: PagesSink | undefined;
  timer: ParseTimer;
  /** Reads pages without text; null when OCR is off. */
  ocr: PdfPageOcr | null;
  ocrOptions: OcrOptions;
  onRecognise: ((page: number, total: number) => void) | undefined;
}

const wordChars = (text: string): number => text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;

/**
 * Reads the pages a batch at a time (pdf.js loads the document once), reporting after each batch,
 * and either keeps them or hands them to `onPages`. A page without a text layer is read by OCR
 * when it comes, the pages before it handed over first, so pages stay in order. Returns the kept
 * pages, the page count and how many pages with text there were in all.
 */
async function readPages(
  parser: { getText(p: { first: number; last: number }): Promise<{ total: number; pages: PageText[] }> },
  { onPage, onPages, timer, ocr, ocrOptions, onRecognise }: ReadOptions,
): Promise<{ total: number; pages: ParsedPage[]; withText: number; recognised: number }> {
  const pages: ParsedPage[] = [];
  let withText = 0;
  let recognised = 0;
  let total = Infinity;
  const hand = async (batch: ParsedPage[], done: number): Promise<void> => {
    withText += batch.length;
    if (onPages) {
      timer.pause();
      try {
        await onPages(batch, done, total);
      } catch (err) {
        throw new ConsumerError(err);
      }
      timer.resume();
    } else {
      pages.push(...batch);
    }
    onPage?.(done, total);
  };
  for (let first = 1; first <= total; first += PAGES_PER_STEP) {
    const last = first + PAGES_PER_STEP - 1;
    const r = await parser.getText({ first, last });
    keepNativePush(); // the first read loads pdf.js's worker module, which replaces it again
    total = r.total;
    let batch: ParsedPage[] = [];
    for (const p of r.pages) {
      const text = normaliseText(p.text);
      const chars = wordChars(text);
      if (ocr && chars < FEW_CHARS && (await ocr.hasImage(p.num))) {
        if (batch.length > 0) await hand(batch, p.num - 1);
        batch = [];
        if (++recognised > ocrOptions.maxPages) {
          throw new InvalidInputError(`the PDF has more than ${ocrOptions.maxPages} pages without a text layer to recognise (limit OCR_MAX_PAGES); split it and upload the parts`, { code: 'ocr_too_many_pages' });
        }
        timer.extend(ocrOptions.pageTimeoutMs);
        onRecognise?.(p.num, total);
        const seen = normaliseText(await ocr.read(p.num)).trim();
        await hand(hasText(seen) ? [{ page: p.num, text: seen, ocr: true }] : [], p.num);
      } else if (hasText(text)) batch.push({ page: p.num, text });
    }
    await hand(batch, Math.min(last, total));
  }
  return { total: total === Infinity ? 0 : total, pages, withText, recognised };
}

/** A valid one-page PDF with a line of Helvetica text (a standard font: nothing embedded). */
function onePagePdf(): Uint8Array {
  const text = 'BT /F1 12 Tf 72 720 Td (warm up the reader) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/**
 * Loads pdf.js and lets it read the text of a one-page document once: its first document costs
 * ~1 s of set-up (and its first text extraction some more) that later ones do not pay. A parse
 * child does this before it says `ready`, so a warmed child reads the first pages of a real file
 * at once.
 */
export async function warmPdfReader(): Promise<void> {
  const { PDFParse, VerbosityLevel } = await loadPdfParse();
  const parser = new PDFParse({ data: onePagePdf(), verbosity: VerbosityLevel.ERRORS });
  await parser.getText().catch(() => undefined); // a failure here only means a colder first file
  keepNativePush();
  await parser.destroy().catch(() => undefined);
}

/**
 * Extracts the text of every page.
 * @throws InvalidInputError when the PDF is corrupt, encrypted, has no text, or takes too long.
 */
export async function parsePdf(bytes: Uint8Array, opts: ParsePdfOptions = {}): Promise<ParsedDocument> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ocrOptions = opts.ocr ?? DEFAULT_OCR_OPTIONS;
  const { PDFParse, VerbosityLevel } = await loadPdfParse();
  // Copies: pdf.js may take ownership of (detach) the buffer it is given; the caller keeps theirs.
  const parser = new PDFParse({ data: new Uint8Array(bytes), verbosity: VerbosityLevel.ERRORS });
  const abort = new AbortController();
  const ocr = ocrOptions.enabled ? new PdfPageOcr(new Uint8Array(bytes), { ocr: ocrOptions, signal: abort.signal, maxMemoryMb: opts.ocrMaxMemoryMb }) : null;
  let expire: (err: Error) => void = () => undefined;
  const timeout = new Promise<never>((_, reject) => (expire = reject));
  const timer = new ParseTimer(timeoutMs, () => {
    abort.abort(); // no OCR program outlives the parse
    expire(new InvalidInputError(`the PDF took longer than ${Math.round(timeoutMs / 1000)} s to read (plus OCR_PAGE_TIMEOUT_MS per page recognised); it may be damaged or too complex`, { code: 'timeout' }));
  });
  try {
    timer.resume();
    const reading = readPages(parser, { onPage: opts.onPage, onPages: opts.onPages, timer, ocr, ocrOptions, onRecognise: opts.onRecognise });
    reading.catch(() => undefined); // it may settle after the timeout won the race
    const result = await Promise.race([reading, timeout]);
    if (result.withText === 0) {
      if (!ocr) throw new InvalidInputError('the PDF has no extractable text (is it a scan? OCR is turned off here: OCR=off)', { code: 'no_text' });
      if (result.recognised === 0) throw new InvalidInputError('the PDF has no extractable text (no page has a text layer or a scanned image)', { code: 'no_text' });
      throw new InvalidInputError(`the PDF has no text: no page has a text layer, and OCR recognised none on its ${result.total} page${result.total === 1 ? '' : 's'} (languages OCR_LANGUAGES=${ocrOptions.languages})`, { code: 'no_text' });
    }
    return { pages: result.pages, pageCount: result.total };
  } catch (err) {
    if (err instanceof ConsumerError) throw err.inner;
    throw translate(err);
  } finally {
    timer.stop();
    abort.abort();
    await ocr?.close().catch(() => undefined);
    await parser.destroy().catch(() => undefined);
  }
}
