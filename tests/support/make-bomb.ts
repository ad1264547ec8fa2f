/**
 * Test helper: decompression bombs, made in milliseconds without ever holding what they unpack to.
 *
 * A deflate stream of one byte repeated is built from pieces: each piece is deflated on its own
 * and ended with a full flush (byte-aligned, no reference to anything before it), so copies of
 * one 1 MB piece can be concatenated into a valid stream of any length, about 1,000:1; an empty
 * final block ends it. The CRC-32 is computed piece by piece too.
 *
 *   - docxBomb: a .docx whose word/document.xml is one paragraph of `mb` MB of one letter.
 *   - formatBomb: a .pptx, .xlsx, .epub or .odt with one part of `mb` MB (its size stated or not).
 *   - pdfFlateBomb: a one-page PDF whose content stream, /FlateDecode, unpacks to `mb` MB of
 *     spaces after a line of text.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { makeDocxWith, makeZip, W_NAMESPACE, type ZipEntry } from './make-docx.ts';

const MB = 2 ** 20;

interface Deflated {
  /** Raw deflate stream. */
  data: Buffer;
  /** Bytes it unpacks to. */
  size: number;
  crc: number;
}

const piece = (content: Buffer): Buffer => deflateRawSync(content, { level: 9, finishFlush: constants.Z_FULL_FLUSH });

/** Raw deflate of `head`, then `mb` MB of `byte`, then `tail`. */
export function deflateRepeated(head: Buffer, byte: number, mb: number, tail: Buffer): Deflated {
  const block = Buffer.alloc(MB, byte);
  const blockDeflated = piece(block);
  const blockCrcs: number[] = [];
  let crc = crc32(head);
  for (let i = 0; i < mb; i++) {
    crc = crc32(block, crc);
    blockCrcs.push(crc);
  }
  crc = crc32(tail, crc);
  const data = Buffer.concat([piece(head), ...Array.from({ length: mb }, () => blockDeflated), piece(tail), deflateRawSync(Buffer.alloc(0))]);
  return { data, size: head.length + mb * MB + tail.length, crc };
}

/** A .docx whose word/document.xml unpacks to about `mb` MB (one paragraph of the letter a). */
export function docxBomb(mb: number): Buffer {
  const head = Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W_NAMESPACE}"><w:body><w:p><w:r><w:t>`);
  const tail = Buffer.from('</w:t></w:r></w:p></w:body></w:document>');
  const d = deflateRepeated(head, 0x61, mb, tail);
  return makeDocxWith(deflatedEntry('word/document.xml', d));
}

export function deflatedEntry(name: string, d: Deflated): ZipEntry {
  return { name, data: d.data, deflated: { size: d.size, crc: d.crc } };
}

/** A one-page PDF whose content stream unpacks to about `mb` MB. */
export function pdfFlateBomb(mb: number): Buffer {
  const text = Buffer.from('BT /F1 12 Tf 72 720 Td (a bomb in a content stream) Tj ET\n');
  const raw = deflateRepeated(text, 0x20, mb, Buffer.from('\n'));
  // zlib wrapping: header, raw stream, Adler-32 (pdf.js does not check it; zeros will do).
  const stream = Buffer.concat([Buffer.from([0x78, 0xda]), raw.data, Buffer.alloc(4)]);
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>'),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>'),
    Buffer.concat([Buffer.from(`<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`), stream, Buffer.from('\nendstream')]),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let length = parts[0]!.length;
  const offsets = objects.map((body, i) => {
    const at = length;
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    parts.push(obj);
    length += obj.length;
    return at;
  });
  const xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/** The zip-based formats, as a zip bomb of each: the members that identify the format, and one that unpacks to `mb` MB. */
export function formatBomb(format: 'pptx' | 'xlsx' | 'epub' | 'odt', mb: number, opts: { lyingSize?: boolean } = {}): { zip: Buffer; part: string } {
  const text = (name: string, s: string): ZipEntry => ({ name, data: Buffer.from(s) });
  const types = text('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  const [ids, part]: [ZipEntry[], string] =
    format === 'pptx'
      ? [[types, text('ppt/presentation.xml', '<p:presentation/>')], 'ppt/slides/slide1.xml']
      : format === 'xlsx'
        ? [[types, text('xl/workbook.xml', '<workbook/>')], 'xl/worksheets/sheet1.xml']
        : format === 'epub'
          ? [[text('mimetype', 'application/epub+zip'), text('META-INF/container.xml', '<container/>')], 'OEBPS/chapter1.xhtml']
          : [[text('mimetype', 'application/vnd.oasis.opendocument.text')], 'content.xml'];
  const entry = deflatedEntry(part, deflateRepeated(Buffer.from('<x>'), 0x61, mb, Buffer.from('</x>')));
  if (opts.lyingSize) entry.deflated = { size: 100, crc: entry.deflated!.crc };
  return { zip: makeZip([...ids, entry]), part };
}
