/**
 * Test helper: writes a small, valid Word .docx (a ZIP with the three parts Word and mammoth
 * need: [Content_Types].xml, _rels/.rels and word/document.xml), so tests need no binary fixtures.
 * Entries are stored uncompressed unless given deflated (make-bomb.ts does); CRCs and the central
 * directory are real, so strict readers (JSZip inside mammoth) accept it. Each string in
 * `paragraphs` becomes one paragraph.
 */
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The bytes as written: the content itself, or with `deflated` its raw deflate stream. */
  data: Buffer;
  /** `data` is raw deflate (method 8) of content this long, with this CRC-32. */
  deflated?: { size: number; crc: number };
}

/** A ZIP archive of `entries`, stored (method 0) or deflated (method 8). */
export function makeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, deflated } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = deflated?.crc ?? crc32(data);
    const size = deflated?.size ?? data.length;
    const method = deflated ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
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

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const W_NAMESPACE = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';

/** A .docx whose body is `paragraphs`, one <w:p> each. */
export function makeDocx(paragraphs: string[]): Buffer {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(p)}</w:t></w:r></w:p>`).join('');
  return makeDocxWith({
    name: 'word/document.xml',
    data: Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W_NAMESPACE}"><w:body>${body}</w:body></w:document>`),
  });
}

/** A .docx around the given word/document.xml entry (and any further entries). */
export function makeDocxWith(document: ZipEntry, ...more: ZipEntry[]): Buffer {
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '</Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
          '</Relationships>',
      ),
    },
    document,
    ...more,
  ]);
}
