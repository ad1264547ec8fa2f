/**
 * The hostile inputs of `npm run bench:hostile`, at the sizes that were seen to hurt: regex
 * backtracking in Markdown headings, deep and long HTML, a 20 MB single-line text, decompression
 * bombs in a DOCX and a PDF. Each is generated here (no binary fixtures); the bombs are written as
 * compressed streams, so their gigabyte is never held in this process.
 */
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

export interface HostileFile {
  name: string;
  /** What it is, for the report. */
  what: string;
  bytes: () => Buffer;
  /**
   * Real work too large to finish in seconds (tens of thousands of chunks to embed): judged on the
   * time its parse and chunking take and on the service staying responsive while it embeds.
   */
  longIngest?: boolean;
}

/** Deflate-compressed `total` bytes of one repeated byte, made from one compressed block repeated. */
function repeatedDeflate(total: number, raw: boolean): { data: Buffer } {
  const block = Buffer.alloc(1024 * 1024, 0x20);
  const blocks = Math.ceil(total / block.length);
  // One full-flush deflate of the block, repeated: each piece is a valid run of deflate blocks.
  const piece = (raw ? deflateRawSync : deflateSync)(block, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  const body = raw ? piece : piece.subarray(2); // the zlib header appears once
  const parts: Buffer[] = [];
  if (!raw) parts.push(piece.subarray(0, 2));
  for (let i = 0; i < blocks; i++) parts.push(body);
  parts.push(Buffer.from([0x03, 0x00])); // an empty final block ends the stream
  return { data: Buffer.concat(parts) };
}

/** A .docx whose word/document.xml inflates to `total` bytes (a zip bomb in the part mammoth reads). */
export function docxBomb(total: number): Buffer {
  const xml = '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
  const ct = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';
  const rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
  const bomb = repeatedDeflate(total, true);
  const head = Buffer.from(xml);
  // The document part: its head stored as is would need a second entry; instead prefix the
  // compressed spaces with a stored block of the XML head (deflate allows mixing block types).
  const stored = Buffer.alloc(5);
  stored[0] = 0x00; // not final, stored
  stored.writeUInt16LE(head.length, 1);
  stored.writeUInt16LE(~head.length & 0xffff, 3);
  const data = Buffer.concat([stored, head, bomb.data]);
  const crc = combineCrc(head, total);
  return zip([
    { name: '[Content_Types].xml', data: Buffer.from(ct) },
    { name: '_rels/.rels', data: Buffer.from(rels) },
    { name: 'word/document.xml', data, compressed: true, size: head.length + Math.ceil(total / (1024 * 1024)) * 1024 * 1024, crc },
  ]);
}

/** crc32 of `head` followed by `total` rounded up to whole MB of spaces. */
function combineCrc(head: Buffer, total: number): number {
  const block = Buffer.alloc(1024 * 1024, 0x20);
  let crc = crc32(head);
  for (let i = 0; i < Math.ceil(total / block.length); i++) crc = crc32(block, crc);
  return crc;
}

interface ZipEntry {
  name: string;
  data: Buffer;
  compressed?: boolean;
  size?: number;
  crc?: number;
}

function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const crc = e.crc ?? crc32(e.data);
    const size = e.size ?? e.data.length;
    const method = e.compressed ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** A one-page PDF whose content stream (FlateDecode) inflates to `total` bytes of spaces, then a line of text. */
export function pdfBomb(total: number): Buffer {
  const bomb = repeatedDeflate(total, false).data;
  const objs: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>'),
    Buffer.concat([Buffer.from(`<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`), bomb, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  let at = parts[0]!.length;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(at);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), o, Buffer.from('\nendobj\n')]);
    parts.push(b);
    at += b.length;
  });
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(Buffer.from(`xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${rows}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}

const MB = 1024 * 1024;

/**
 * `bytes` of words on one line, never repeating a passage (seeded pseudo-random words), so every
 * chunk is real work for the embedder (repeated passages are embedded once).
 */
function oneLine(bytes: number): Buffer {
  const words = 'harbour ferry tide pilot lighthouse keeper north south cargo quay anchor signal beacon storm chart compass rope deck hull mast'.split(' ');
  let x = 2463534242;
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const w = `${words[(x >>> 0) % words.length]!}${(x >>> 8) % 1000} `;
    parts.push(w);
    size += w.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

/** The files of the hostile set: the cases that were measured to hurt, at the sizes that did. */
export function hostileFiles(): HostileFile[] {
  return [
    { name: 'heading-spaces-tabs.md', what: 'Markdown heading of 1,500 space/tab pairs (3 KB)', bytes: () => Buffer.from(`# a${' \t'.repeat(1500)}b\n\ntext\n`) },
    { name: 'heading-brackets.md', what: 'Markdown heading of 200,000 [', bytes: () => Buffer.from(`# ${'['.repeat(200_000)}\n\ntext\n`) },
    { name: 'heading-angles.md', what: 'Markdown heading of 200,000 <', bytes: () => Buffer.from(`# ${'<'.repeat(200_000)}\n\ntext\n`) },
    { name: 'nested-divs.html', what: 'HTML, 200,000 nested divs', bytes: () => Buffer.from(`<html><body>${'<div>'.repeat(200_000)}deep text${'</div>'.repeat(200_000)}</body></html>`) },
    { name: 'paragraphs.html', what: 'HTML, 80,000 <p>word</p>', bytes: () => Buffer.from(`<html><body>${'<p>word</p>'.repeat(80_000)}</body></html>`) },
    { name: 'bomb.docx', what: 'DOCX whose document part inflates to 1 GB', bytes: () => docxBomb(1024 * MB) },
    { name: 'bomb.pdf', what: 'PDF whose content stream inflates to 1 GB', bytes: () => pdfBomb(1024 * MB) },
    // Last: its embedding goes on while the rest of the set runs.
    { name: 'one-line.txt', what: '20 MB text on a single line', bytes: () => oneLine(20 * MB), longIngest: true },
  ];
}
