/**
 * What OCR may do in a parse child (config OCR, OCR_LANGUAGES, OCR_MAX_PIXELS, OCR_MAX_PAGES,
 * OCR_PAGE_TIMEOUT_MS). The parent sends them with every parse request (parse-protocol.ts), so the
 * child never reads the configuration itself.
 *
 * Time: a parse that recognises pages gets PARSE_TIMEOUT_MS plus `pageTimeoutMs` for every page it
 * recognises (the parent and the child's PDF reader both extend their budget when the child
 * announces a page), and each page's own recognition is stopped at `pageTimeoutMs`. So a 40-page
 * scan is not refused for being long, and one pathological page cannot take the whole budget.
 */
export interface OcrOptions {
  /** Recognise pages without a text layer and images at all (config OCR, default on). */
  enabled: boolean;
  /** Tesseract language codes joined with `+`, e.g. `eng+deu` (config OCR_LANGUAGES, default `eng`). */
  languages: string;
  /** Largest image (or rendered page) in pixels, width x height (config OCR_MAX_PIXELS, default 100 000 000). */
  maxPixels: number;
  /** Most pages one document may have recognised: PDF pages without text, TIFF pages (config OCR_MAX_PAGES, default 500). */
  maxPages: number;
  /** Longest one page's rendering or recognition may take, and the time added to the parse budget per page (config OCR_PAGE_TIMEOUT_MS, default 60 000). */
  pageTimeoutMs: number;
}

export const DEFAULT_OCR_OPTIONS: Readonly<OcrOptions> = Object.freeze({
  enabled: true,
  languages: 'eng',
  maxPixels: 100_000_000,
  maxPages: 500,
  pageTimeoutMs: 60_000,
});

/** Resolution pages without text are rendered at for recognition: Tesseract reads 300 dpi text best. */
export const OCR_DPI = 300;
