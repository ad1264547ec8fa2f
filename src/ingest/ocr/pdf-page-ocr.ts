/**
 * Reads the pages of a PDF that have no text layer: each is rendered on its own (poppler's
 * `pdftoppm`, OCR_DPI grayscale, one page at a time so only one raster exists at once) and read by
 * Tesseract. The page's size comes first from `pdfinfo`, and a page too large to render at OCR_DPI
 * within OCR_MAX_PIXELS (a poster, or a hostile 200-inch MediaBox) is rendered at the resolution that
 * fits instead; one that would need less than MIN_DPI is refused.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.ts';
import { OCR_DPI, type OcrOptions } from './ocr-options.ts';
import { runTool, type ToolOptions } from './run-tool.ts';
import { OcrAborted, recognise } from './tesseract.ts';
import { makeOcrDir, removeOcrDir } from './work-dir.ts';

/** Below this a page's text is too small to read; such a page is refused rather than guessed at. */
const MIN_DPI = 50;

export interface PageOcrOptions {
  ocr: OcrOptions;
  signal: AbortSignal;
  /** The address-space cap of each program, MB (the parse's memory limit). */
  maxMemoryMb?: number | undefined;
}

/** The resolution a page of `wPt` x `hPt` points is rendered at: OCR_DPI, or less to stay within `maxPixels`. */
export function renderDpi(wPt: number, hPt: number, maxPixels: number): number {
  const pixelsAt = (dpi: number): number => ((wPt / 72) * dpi) * ((hPt / 72) * dpi);
  if (pixelsAt(OCR_DPI) <= maxPixels) return OCR_DPI;
  return Math.floor(72 * Math.sqrt(maxPixels / (wPt * hPt)));
}

export class PdfPageOcr {
  private dir: string | null = null;
  private file = '';

  constructor(
    private readonly bytes: Uint8Array,
    private readonly opts: PageOcrOptions,
  ) {}

  /** Whether page `page` draws an image (`pdfimages -list`): a page with a few words and an image is a scan. */
  async hasImage(page: number): Promise<boolean> {
    const file = await this.document();
    const list = await runTool('pdfimages', ['-list', '-f', String(page), '-l', String(page), file], this.tool());
    if (!list.ok) throw this.failure(list.reason, page, `its images could not be listed: ${list.detail}`);
    // Two header lines, then one line per image.
    return list.stdout.toString('latin1').split('\n').slice(2).some((l) => l.trim() !== '');
  }

  /** The recognised text of page `page` (1-based). @throws InvalidInputError when it cannot be read. */
  async read(page: number): Promise<string> {
    const { ocr } = this.opts;
    const tool = this.tool();
    const file = await this.document();
    const info = await runTool('pdfinfo', ['-f', String(page), '-l', String(page), file], tool);
    if (!info.ok) throw this.failure(info.reason, page, `its size could not be read: ${info.detail}`);
    const size = new RegExp(`Page\\s+${page} size:\\s*([\\d.]+) x ([\\d.]+) pts`).exec(info.stdout.toString('latin1'));
    if (!size) throw new InvalidInputError(`page ${page} of the PDF has no size; it may be damaged`, { code: 'ocr_failed' });
    const [wPt, hPt] = [Number(size[1]), Number(size[2])];
    const dpi = renderDpi(wPt, hPt, ocr.maxPixels);
    if (dpi < MIN_DPI) {
      throw new InvalidInputError(
        `page ${page} of the PDF is ${Math.round(wPt / 72)} x ${Math.round(hPt / 72)} inches, too large to render for OCR within ${(ocr.maxPixels / 1e6).toLocaleString('en')} megapixels (limit OCR_MAX_PIXELS)`,
        { code: 'image_too_large' },
      );
    }
    const prefix = path.join(path.dirname(file), `page-${page}`);
    const render = await runTool('pdftoppm', ['-r', String(dpi), '-gray', '-f', String(page), '-l', String(page), '-singlefile', file, prefix], tool);
    if (!render.ok) throw this.failure(render.reason, page, `it could not be rendered: ${render.detail}`);
    try {
      return await recognise(`${prefix}.pgm`, { ...tool, languages: ocr.languages, dpi, pageNumber: page });
    } finally {
      await fs.rm(`${prefix}.pgm`, { force: true });
    }
  }

  private tool(): ToolOptions {
    return { timeoutMs: this.opts.ocr.pageTimeoutMs, signal: this.opts.signal, maxMemoryMb: this.opts.maxMemoryMb };
  }

  /** The PDF as a file the programs read, written on first use. */
  private async document(): Promise<string> {
    if (this.dir === null) {
      this.dir = await makeOcrDir();
      this.file = path.join(this.dir, 'document.pdf');
      await fs.writeFile(this.file, this.bytes);
    }
    return this.file;
  }

  /** Removes the files. Idempotent. */
  async close(): Promise<void> {
    if (this.dir !== null) await removeOcrDir(this.dir);
    this.dir = null;
  }

  private failure(reason: 'timeout' | 'aborted' | 'failed', page: number, what: string): Error {
    if (reason === 'aborted') return new OcrAborted('the parse was stopped');
    if (reason === 'timeout') {
      return new InvalidInputError(`page ${page} of the PDF took longer than ${Math.round(this.opts.ocr.pageTimeoutMs / 1000)} s to prepare for OCR (limit OCR_PAGE_TIMEOUT_MS)`, { code: 'ocr_timeout' });
    }
    return new InvalidInputError(`page ${page} of the PDF could not be read by OCR (${what})`, { code: 'ocr_failed' });
  }
}
