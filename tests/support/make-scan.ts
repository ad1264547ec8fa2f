/**
 * Test helper: scans made from known text, so OCR tests need no binary fixtures. A text PDF
 * (make-pdf.ts) is rendered by poppler's `pdftoppm` to grayscale images; those become
 *   - an image-only PDF (`scannedPdf`): each page one DeviceGray image (FlateDecode) filling the
 *     page, no text layer at all, as a scanner writes it; `mixedPdf` puts text pages among them;
 *   - a multi-page TIFF (`multiPageTiff`, uncompressed, written here);
 *   - PNG / JPEG files straight from pdftoppm (`renderImage`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { makePdf } from './make-pdf.ts';

export interface Gray {
  width: number;
  height: number;
  /** One byte per pixel, row by row. */
  pixels: Buffer;
}

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-scan-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readPgm(buf: Buffer): Gray {
  // P5\n<w> <h>\n<max>\n<bytes>
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PGM');
  const [width, height] = [Number(header[1]), Number(header[2])];
  return { width, height, pixels: buf.subarray(header[0].length, header[0].length + width * height) };
}

/** Renders every page of `pdf` to a grayscale image at `dpi`. */
export function renderGray(pdf: Buffer, dpi = 300): Gray[] {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), '-gray', path.join(dir, 'in.pdf'), path.join(dir, 'p')]);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.pgm')).sort().map((f) => readPgm(fs.readFileSync(path.join(dir, f))));
  });
}

/** Page `page` (1-based) of `pdf` as a PNG or JPEG file's bytes, from pdftoppm. */
export function renderImage(pdf: Buffer, format: 'png' | 'jpeg', dpi = 300, page = 1): Buffer {
  return withTmp((dir) => {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', String(dpi), '-gray', `-${format}`, '-f', String(page), '-l', String(page), '-singlefile', path.join(dir, 'in.pdf'), path.join(dir, 'out')]);
    return fs.readFileSync(path.join(dir, `out.${format === 'png' ? 'png' : 'jpg'}`));
  });
}

/** A page: an image (scanned) or a text string (a page with a text layer). */
export type ScanPage = Gray | string;

/** A PDF whose pages are the given images (no text layer) or text pages, letter-sized. */
export function mixedPdf(pages: ScanPage[]): Buffer {
  const objects: Array<string | Buffer> = [];
  const kids: number[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  let next = 4;
  for (const p of pages) {
    const pageId = next++;
    const contentId = next++;
    kids.push(pageId);
    if (typeof p === 'string') {
      const lines = p.split('\n').map((l) => `(${l.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj T*`).join('\n');
      const content = `BT /F1 12 Tf 14 TL 72 720 Td\n${lines}\nET\n`;
      objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`;
      objects[contentId] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`;
    } else {
      const imageId = next++;
      // 8.5 inches wide, as tall as the image's proportions say (a rendered letter page: 11 inches).
      const height = Math.round((612 * p.height) / p.width);
      const content = `q 612 0 0 ${height} 0 0 cm /Im1 Do Q\n`;
      const data = zlib.deflateSync(p.pixels);
      objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 ${height}] /Resources << /XObject << /Im1 ${imageId} 0 R >> >> /Contents ${contentId} 0 R >>`;
      objects[contentId] = `<< /Length ${content.length} >>\nstream\n${content}endstream`;
      objects[imageId] = Buffer.concat([
        Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${p.width} /Height ${p.height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`, 'latin1'),
        data,
        Buffer.from('\nendstream', 'latin1'),
      ]);
    }
  }
  objects[2] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = length;
    const body = objects[id]!;
    const buf = Buffer.concat([Buffer.from(`${id} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(buf);
    length += buf.length;
  }
  const xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** The images one above the other, as one tall image (same width). */
export function stack(images: Gray[]): Gray {
  return { width: images[0]!.width, height: images.reduce((h, i) => h + i.height, 0), pixels: Buffer.concat(images.map((i) => i.pixels)) };
}

/** An image-only PDF of the given texts: each rendered at `dpi` and put back as a scanned page. */
export function scannedPdf(texts: string[], dpi = 300): Buffer {
  return mixedPdf(renderGray(makePdf(texts), dpi));
}

/** An uncompressed, little-endian, 8-bit grayscale TIFF with one page per image. */
export function multiPageTiff(images: Gray[], dpi = 300): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(8, 4);
  parts.push(header);
  let at = 8;
  images.forEach((img, i) => {
    // IFD: 11 entries, then the next IFD offset, then the resolution rationals, then the pixels.
    const entries = 11;
    const ifdSize = 2 + entries * 12 + 4;
    const resAt = at + ifdSize;
    const pixelsAt = resAt + 16;
    const nextAt = i === images.length - 1 ? 0 : pixelsAt + img.pixels.length;
    const ifd = Buffer.alloc(ifdSize + 16);
    ifd.writeUInt16LE(entries, 0);
    const tags: Array<[number, number, number]> = [
      [256, 4, img.width], // ImageWidth (LONG)
      [257, 4, img.height], // ImageLength
      [258, 3, 8], // BitsPerSample
      [259, 3, 1], // Compression: none
      [262, 3, 1], // Photometric: BlackIsZero
      [273, 4, pixelsAt], // StripOffsets
      [277, 3, 1], // SamplesPerPixel
      [278, 4, img.height], // RowsPerStrip
      [279, 4, img.pixels.length], // StripByteCounts
      [282, 5, resAt], // XResolution (RATIONAL, offset)
      [283, 5, resAt + 8], // YResolution
    ];
    tags.forEach(([tag, type, value], k) => {
      const e = 2 + k * 12;
      ifd.writeUInt16LE(tag, e);
      ifd.writeUInt16LE(type, e + 2);
      ifd.writeUInt32LE(1, e + 4);
      if (type === 3) ifd.writeUInt16LE(value, e + 8);
      else ifd.writeUInt32LE(value, e + 8);
    });
    ifd.writeUInt32LE(nextAt, 2 + entries * 12);
    ifd.writeUInt32LE(dpi, ifdSize);
    ifd.writeUInt32LE(1, ifdSize + 4);
    ifd.writeUInt32LE(dpi, ifdSize + 8);
    ifd.writeUInt32LE(1, ifdSize + 12);
    parts.push(ifd, img.pixels);
    at = pixelsAt + img.pixels.length;
  });
  return Buffer.concat(parts);
}
