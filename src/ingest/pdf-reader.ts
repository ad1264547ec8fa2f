/**
 * Loads pdf-parse (pdf.js), and undoes the one global change its pdf.js build makes that costs
 * Docent time.
 *
 * pdf-parse uses pdf.js's legacy build, the one that runs on Node 20 (the modern build needs
 * `Promise.withResolvers`). That build bundles core-js, which on this V8 replaces
 * `Array.prototype.push` with a JavaScript version for every array in the process, to fix edge
 * cases (array-likes of 2^32 elements and more, non-writable `length`) that text extraction never
 * meets. pdf.js pushes for every glyph run, so the replacement cost about a fifth of a 300-page
 * PDF's reading time and CPU (measured: 0.83-1.10 s CPU against 0.67-0.84 s with the native one
 * back), on the cores the embedder needs. Both pdf.js's main module and its worker module (loaded
 * with the first document) install it, so the native `push` is put back after loading and after
 * each read. Parsing runs in the isolated parse child, so nothing else shares that process.
 */
import type * as PdfParse from 'pdf-parse';

type PdfParseModule = typeof PdfParse;

/** Captured when this module loads, which parse-pdf.ts makes happen before pdf.js is loaded. */
const nativePush = Array.prototype.push;

export function loadPdfParse(): Promise<PdfParseModule> {
  return import('pdf-parse').then((mod) => {
    keepNativePush();
    return mod;
  });
}

/** Puts the native `Array.prototype.push` back if pdf.js's core-js replaced it; cheap when not. */
export function keepNativePush(): void {
  if (Array.prototype.push === nativePush) return;
  Object.defineProperty(Array.prototype, 'push', { value: nativePush, writable: true, enumerable: false, configurable: true });
}
