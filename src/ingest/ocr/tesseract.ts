/**
 * Tesseract (the system's `tesseract` program, 5.x, with its language data from the system's
 * packages: nothing is downloaded at run time). One call reads one page: an image file, or one
 * page of a multi-page TIFF (`tessedit_page_number`), so progress, the per-page time limit and
 * cancellation work page by page. Page segmentation is Tesseract's default (automatic, columns
 * found), which suits documents; output is plain UTF-8 text.
 */
import { ConfigError } from '../../config.ts';
import { AppError, errorMessage, InvalidInputError } from '../../errors.ts';
import { runTool, type ToolOptions } from './run-tool.ts';

export interface RecogniseOptions extends ToolOptions {
  /** `eng`, `eng+deu`... */
  languages: string;
  /** The image's resolution when known (rendered PDF pages); Tesseract estimates it otherwise. */
  dpi?: number;
  /** 0-based page of a multi-page TIFF. */
  tiffPage?: number;
  /** 1-based page number for messages. */
  pageNumber: number;
}

/** Thrown when the parse's signal ended a recognition: the parse is over and says why itself. */
export class OcrAborted extends Error {
  override name = 'OcrAborted';
}

/** The text Tesseract reads on one page. @throws InvalidInputError when the page cannot be read in time. */
export async function recognise(imagePath: string, opts: RecogniseOptions): Promise<string> {
  const args = [imagePath, 'stdout', '-l', opts.languages];
  if (opts.dpi !== undefined) args.push('--dpi', String(opts.dpi));
  if (opts.tiffPage !== undefined) args.push('-c', `tessedit_page_number=${opts.tiffPage}`);
  const r = await runTool('tesseract', args, opts);
  if (r.ok) return r.stdout.toString('utf8').replace(/\f/g, '\n');
  if (r.reason === 'aborted') throw new OcrAborted('the parse was stopped');
  if (r.reason === 'timeout') {
    throw new InvalidInputError(`recognising page ${opts.pageNumber} took longer than ${Math.round(opts.timeoutMs / 1000)} s (limit OCR_PAGE_TIMEOUT_MS); the page may be damaged or too complex`, { code: 'ocr_timeout' });
  }
  throw new InvalidInputError(`OCR could not read page ${opts.pageNumber} (${r.detail})`, { code: 'ocr_failed' });
}

/** The languages this machine's Tesseract has data for (`tesseract --list-langs`). */
export async function installedLanguages(timeoutMs = 10_000): Promise<string[]> {
  const r = await runTool('tesseract', ['--list-langs'], { timeoutMs });
  if (!r.ok) throw new AppError(`tesseract --list-langs failed (${r.detail})`, { code: 'ocr_broken' });
  return r.stdout
    .toString('utf8')
    .split('\n')
    .slice(1) // "List of available languages in ..."
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Checks that Tesseract is installed with every language of `languages` (OCR_LANGUAGES), for the
 * ingest worker's start.
 * @throws ConfigError naming the variable, the missing languages, what is installed and what to do.
 */
export async function checkOcrSetup(languages: string): Promise<void> {
  try {
    await checkOcrLanguages(languages);
  } catch (err) {
    const message = err instanceof AppError && err.code === 'ocr_missing' ? `OCR: ${err.message}` : errorMessage(err);
    throw new ConfigError(`invalid configuration:\n  ${message}`);
  }
}

/**
 * Checks that Tesseract is installed with every language of `languages`.
 * @throws AppError naming the missing languages, what is installed and what to do.
 */
export async function checkOcrLanguages(languages: string): Promise<void> {
  const have = await installedLanguages();
  const missing = languages.split('+').filter((l) => !have.includes(l));
  if (missing.length > 0) {
    throw new AppError(
      `OCR_LANGUAGES: Tesseract has no data for ${missing.map((m) => `"${m}"`).join(', ')} (installed: ${have.join(', ') || 'none'}); install ${missing.map((m) => `tesseract-ocr-${m.toLowerCase().replace(/_/g, '-')}`).join(' ')} or change OCR_LANGUAGES (OCR=off turns recognition off)`,
      { code: 'ocr_languages' },
    );
  }
}
