/**
 * Images (PNG, JPEG, TIFF, WebP) read by OCR. The header is judged first (image-header.ts): an
 * image over OCR_MAX_PIXELS, or a TIFF with more than OCR_MAX_PAGES pages, is refused before any
 * decoder sees it. Then Tesseract reads it a page at a time (a multi-page TIFF's pages are the
 * document's pages, numbered from 1; a single image has no page number), announcing each page
 * (`onRecognise`, "recognising page i/n") and handing over its text as it goes when streaming.
 * Every page is marked `ocr` (its text may contain recognition errors).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../../errors.ts';
import { hasText, normaliseText, type ParsedDocument, type ParsedPage } from '../parsed-document.ts';
import { checkImageLimits, readImageInfo } from './image-header.ts';
import type { OcrOptions } from './ocr-options.ts';
import { recognise } from './tesseract.ts';
import { makeOcrDir, removeOcrDir } from './work-dir.ts';

export interface ParseImageOptions {
  ocr: OcrOptions;
  /** The address-space cap of each OCR program, MB. */
  maxMemoryMb?: number | undefined;
  /** Called before each page is recognised: that page (1-based), the page count. */
  onRecognise?: ((page: number, total: number) => void) | undefined;
  /** Receives each recognised page as it is read (see parse-pdf.ts PagesSink); those pages are left out of the result. */
  onPages?: ((pages: ParsedPage[], done: number, total: number) => Promise<void>) | undefined;
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/tiff': 'tif', 'image/webp': 'webp' };

/** @throws InvalidInputError for an image over the limits, damaged, or without any recognisable text. */
export async function parseImage(bytes: Uint8Array, opts: ParseImageOptions): Promise<ParsedDocument> {
  const { ocr } = opts;
  if (!ocr.enabled) {
    throw new InvalidInputError('images are read by OCR, which is turned off here (OCR=off); upload the text instead', { code: 'ocr_off' });
  }
  const info = readImageInfo(bytes, ocr.maxPages);
  checkImageLimits(info, ocr);
  const total = info.pages.length;
  const dir = await makeOcrDir();
  const abort = new AbortController();
  try {
    const file = path.join(dir, `image.${EXTENSIONS[info.type]}`);
    await fs.writeFile(file, bytes);
    const kept: ParsedPage[] = [];
    let withText = 0;
    for (let i = 0; i < total; i++) {
      opts.onRecognise?.(i + 1, total);
      const raw = await recognise(file, {
        languages: ocr.languages,
        timeoutMs: ocr.pageTimeoutMs,
        signal: abort.signal,
        maxMemoryMb: opts.maxMemoryMb,
        pageNumber: i + 1,
        ...(info.type === 'image/tiff' ? { tiffPage: i } : {}),
      });
      const text = normaliseText(raw).trim();
      const pages: ParsedPage[] = hasText(text) ? [{ page: total > 1 ? i + 1 : null, text, ocr: true }] : [];
      withText += pages.length;
      if (opts.onPages) await opts.onPages(pages, i + 1, total);
      else kept.push(...pages);
    }
    if (withText === 0) {
      throw new InvalidInputError(`no text was recognised in the image${total > 1 ? ` (${total} pages)` : ''}; is there writing on it, in a language of OCR_LANGUAGES (${ocr.languages})?`, { code: 'no_text' });
    }
    return { pages: kept, pageCount: total > 1 ? total : null };
  } finally {
    abort.abort();
    await removeOcrDir(dir);
  }
}
