/**
 * An image's kind, size and page count, read from its header before anything decodes it: the
 * pixel limit (OCR_MAX_PIXELS) and the page limit (OCR_MAX_PAGES) refuse a hostile image (a
 * 50,000 x 50,000 PNG is 30 KB on disk and 2.5 GB decoded) in microseconds, without the decoder.
 *
 *   - PNG: the IHDR chunk (always first).
 *   - JPEG: the first start-of-frame marker (SOF0-SOF15 but DHT/JPG/DAC), found by walking the
 *     marker segments.
 *   - TIFF: every image file directory (IFD) in the chain, each a page, with its ImageWidth and
 *     ImageLength; the walk stops past `maxPages` and refuses a chain that loops.
 *   - WebP: the first chunk, VP8 (lossy), VP8L (lossless) or VP8X (extended: the canvas size).
 * Anything the header does not describe is refused as damaged, with the kind named.
 */
import { InvalidInputError } from '../../errors.ts';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/tiff' | 'image/webp';
export const IMAGE_MEDIA_TYPES: readonly ImageMediaType[] = ['image/png', 'image/jpeg', 'image/tiff', 'image/webp'];

export interface ImagePage {
  width: number;
  height: number;
}

export interface ImageInfo {
  type: ImageMediaType;
  /** One entry per page (a TIFF may have many, every other kind has one). */
  pages: ImagePage[];
}

const NAMES: Record<ImageMediaType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/tiff': 'TIFF', 'image/webp': 'WebP' };

const starts = (b: Uint8Array, sig: number[], at = 0): boolean => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** The image kind by its magic bytes, or null when it is not one of the four. */
export function imageTypeOf(head: Uint8Array): ImageMediaType | null {
  if (starts(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts(head, [0x49, 0x49, 0x2a, 0x00]) || starts(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'image/tiff';
  if (starts(head, [0x52, 0x49, 0x46, 0x46]) && starts(head, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return null;
}

function damaged(type: ImageMediaType, what: string): InvalidInputError {
  return new InvalidInputError(`the ${NAMES[type]} image is damaged (${what}); export or download it again`, { code: 'corrupt_image' });
}

function png(b: Uint8Array): ImagePage {
  if (b.length < 24 || !starts(b, [0x49, 0x48, 0x44, 0x52], 12)) throw damaged('image/png', 'no IHDR header');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function jpeg(b: Uint8Array): ImagePage {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw damaged('image/jpeg', `no marker at byte ${at}`);
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame header
    const length = v.getUint16(at + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 9 > b.length) break;
      return { height: v.getUint16(at + 5), width: v.getUint16(at + 7) };
    }
    if (length < 2) throw damaged('image/jpeg', 'a segment of impossible length');
    at += 2 + length;
  }
  throw damaged('image/jpeg', 'no frame header');
}

function tiff(b: Uint8Array, maxPages: number): ImagePage[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const u16 = (at: number): number => v.getUint16(at, le);
  const u32 = (at: number): number => v.getUint32(at, le);
  const pages: ImagePage[] = [];
  const seen = new Set<number>();
  let ifd = u32(4);
  while (ifd !== 0) {
    if (pages.length > maxPages) break; // enough to refuse; the rest is not read
    if (seen.has(ifd)) throw damaged('image/tiff', 'its page list loops');
    seen.add(ifd);
    if (ifd + 2 > b.length) throw damaged('image/tiff', 'a page directory lies past the end of the file');
    const count = u16(ifd);
    if (ifd + 2 + count * 12 + 4 > b.length) throw damaged('image/tiff', 'a page directory is cut short');
    let width = -1;
    let height = -1;
    for (let i = 0; i < count; i++) {
      const e = ifd + 2 + i * 12;
      const tag = u16(e);
      if (tag !== 256 && tag !== 257) continue;
      const type = u16(e + 2);
      const value = type === 3 ? u16(e + 8) : type === 4 ? u32(e + 8) : -1;
      if (tag === 256) width = value;
      else height = value;
    }
    if (width < 0 || height < 0) throw damaged('image/tiff', `page ${pages.length + 1} has no width or height`);
    pages.push({ width, height });
    ifd = u32(ifd + 2 + count * 12);
  }
  if (pages.length === 0) throw damaged('image/tiff', 'no pages');
  return pages;
}

function webp(b: Uint8Array): ImagePage {
  if (b.length < 30) throw damaged('image/webp', 'too short');
  const chunk = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  const u24 = (at: number): number => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) throw damaged('image/webp', 'no lossless signature');
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ') {
    if (!starts(b, [0x9d, 0x01, 0x2a], 23)) throw damaged('image/webp', 'no frame start code');
    return { width: (b[26]! | (b[27]! << 8)) & 0x3fff, height: (b[28]! | (b[29]! << 8)) & 0x3fff };
  }
  throw damaged('image/webp', `unknown first chunk "${chunk.replace(/[^\x20-\x7e]/g, '?')}"`);
}

/**
 * The image's kind and pages from its header. `maxPages` bounds the TIFF walk (one more page is
 * read, so "more than the limit" can be told).
 * @throws InvalidInputError when the header is damaged.
 */
export function readImageInfo(bytes: Uint8Array, maxPages: number): ImageInfo {
  const type = imageTypeOf(bytes);
  if (!type) throw new InvalidInputError('not a PNG, JPEG, TIFF or WebP image', { code: 'unsupported_type' });
  try {
    if (type === 'image/png') return { type, pages: [png(bytes)] };
    if (type === 'image/jpeg') return { type, pages: [jpeg(bytes)] };
    if (type === 'image/tiff') return { type, pages: tiff(bytes, maxPages) };
    return { type, pages: [webp(bytes)] };
  } catch (err) {
    if (err instanceof RangeError) throw damaged(type, 'its header is cut short');
    throw err;
  }
}

/**
 * Refuses an image above the limits, naming the setting.
 * @throws InvalidInputError for a page over `maxPixels`, a zero-sized page, or more than `maxPages` pages.
 */
export function checkImageLimits(info: ImageInfo, limits: { maxPixels: number; maxPages: number }): void {
  const name = NAMES[info.type];
  if (info.pages.length > limits.maxPages) {
    throw new InvalidInputError(`the ${name} image has more than ${limits.maxPages} pages (limit OCR_MAX_PAGES); split it and upload the parts`, { code: 'ocr_too_many_pages' });
  }
  info.pages.forEach((p, i) => {
    const where = info.pages.length > 1 ? ` (page ${i + 1})` : '';
    if (p.width === 0 || p.height === 0) throw damaged(info.type, `a page of ${p.width} x ${p.height} pixels${where}`);
    if (p.width * p.height > limits.maxPixels) {
      throw new InvalidInputError(
        `the ${name} image is ${p.width.toLocaleString('en')} x ${p.height.toLocaleString('en')} pixels${where}, more than the ${(limits.maxPixels / 1e6).toLocaleString('en')} megapixels Docent reads (limit OCR_MAX_PIXELS); scale it down and upload it again`,
        { code: 'image_too_large' },
      );
    }
  });
}
