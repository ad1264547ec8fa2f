/**
 * Checks what a ZIP archive (.docx, .pptx, .xlsx, .epub, .odt) unpacks to before any reader unpacks it for real: one linear
 * pass over its central directory that inflates every entry into a counter (nothing is kept), and
 * refuses the file when one entry or all of them together unpack to more than the limits. A .docx
 * zip bomb of 3.6 MB unpacked to 1 GB inside mammoth (JSZip) and drove its parse child to 2.26 GB;
 * this pass stops it after at most the entry limit of inflating, in constant memory.
 *
 * It reads the archive the way JSZip does, so it measures what mammoth would unpack:
 *   - the end-of-central-directory record is the last one in the file, with its ZIP64 variant;
 *   - central headers are read while their signature repeats, whatever count the end record gives;
 *   - data is found through each local header (its name and extra lengths) and is as long as the
 *     central header says; bytes prepended to the archive are allowed for, as JSZip does.
 * A size the archive states for the unpacked data that is already over a limit refuses the file
 * before anything is inflated; below the limits, stated sizes are not trusted (a lying header
 * changes nothing, since what counts is what inflating produces). Entries JSZip cannot read (encrypted, unknown
 * methods) and damaged deflate data are left for mammoth to refuse with its own message; an
 * archive whose directory does not hold together is refused here, as damaged.
 */
import { createInflateRaw } from 'node:zlib';
import { InvalidInputError } from '../errors.ts';

export interface ZipLimits {
  /** Most bytes one entry may unpack to. */
  maxEntryBytes: number;
  /** Most bytes all entries together may unpack to. */
  maxTotalBytes: number;
  /** Most entries the archive may hold. */
  maxEntries: number;
}

/** How the messages name the archive: "this .xlsx", "the Excel workbook". */
export interface ZipFormat {
  /** e.g. ".docx" */
  ext: string;
  /** e.g. "the Word document" */
  document: string;
}

export const DOCX_FORMAT: ZipFormat = { ext: '.docx', document: 'the Word document' };

const MB = 2 ** 20;
/** Generous for real documents (the upload limit is 50 MB; Word's own parts are far smaller). */
export const DOCX_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 256 * MB, maxTotalBytes: 512 * MB, maxEntries: 20_000 };

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

function damaged(what: string, format: ZipFormat): InvalidInputError {
  return new InvalidInputError(`${format.document} could not be read (damaged zip: ${what})`, { code: 'unreadable' });
}

function bomb(message: string): InvalidInputError {
  return new InvalidInputError(`${message}; is it a zip bomb?`, { code: 'zip_bomb' });
}

/** Where the central directory starts and how its offsets are shifted. */
function centralDirectory(buf: Buffer, f: ZipFormat): { at: number; shift: number } {
  const signature = Buffer.alloc(4);
  signature.writeUInt32LE(SIG_END);
  const end = buf.lastIndexOf(signature);
  if (end < 0 || end + 22 > buf.length) throw damaged('no end of central directory', f);
  let size = buf.readUInt32LE(end + 12);
  let offset = buf.readUInt32LE(end + 16);
  let expectedEnd = offset + size;
  const zip64 = buf.readUInt16LE(end + 10) === U16_MAX || size === U32_MAX || offset === U32_MAX;
  if (zip64) {
    const locator = end - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== SIG_END64_LOCATOR) throw damaged('no ZIP64 locator', f);
    const record = Number(buf.readBigUInt64LE(locator + 8));
    if (record + 56 > buf.length || buf.readUInt32LE(record) !== SIG_END64) throw damaged('no ZIP64 end record', f);
    size = Number(buf.readBigUInt64LE(record + 40));
    offset = Number(buf.readBigUInt64LE(record + 48));
    expectedEnd = offset + size + 20 + 12 + Number(buf.readBigUInt64LE(record + 4));
  }
  const extra = end - expectedEnd;
  if (extra < 0) throw damaged('the central directory runs past its end', f);
  const at = offset;
  // Bytes before the archive (a self-extractor stub, say) shift every offset.
  const shift = extra > 0 && !(at + 4 <= buf.length && buf.readUInt32LE(at) === SIG_CENTRAL) ? extra : 0;
  return { at: at + shift, shift };
}

interface Entry {
  name: string;
  /** The unpacked size the archive states (not trusted below the limits). */
  declaredSize: number;
  method: number;
  flags: number;
  compressedSize: number;
  localOffset: number;
  /** Where the next central header starts. */
  next: number;
}

function readCentral(buf: Buffer, p: number, f: ZipFormat): Entry {
  if (p + 46 > buf.length) throw damaged('a central header is cut off', f);
  const nameLength = buf.readUInt16LE(p + 28);
  const extraLength = buf.readUInt16LE(p + 30);
  const next = p + 46 + nameLength + extraLength + buf.readUInt16LE(p + 32);
  if (next > buf.length) throw damaged('a central header is cut off', f);
  let compressedSize = buf.readUInt32LE(p + 20);
  let localOffset = buf.readUInt32LE(p + 42);
  const uncompressed32 = buf.readUInt32LE(p + 24);
  let declaredSize = uncompressed32;
  // ZIP64 extra field: the 64-bit values of the fields set to 0xFFFFFFFF, in this order.
  for (let e = p + 46 + nameLength, stop = e + extraLength; e + 4 <= stop; ) {
    const id = buf.readUInt16LE(e);
    const length = buf.readUInt16LE(e + 2);
    if (id === 0x0001) {
      let q = e + 4;
      const take = (): number => {
        if (q + 8 > e + 4 + length) throw damaged('a ZIP64 field is cut off', f);
        const v = Number(buf.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (uncompressed32 === U32_MAX) declaredSize = take();
      if (compressedSize === U32_MAX) compressedSize = take();
      if (localOffset === U32_MAX) localOffset = take();
      break;
    }
    e += 4 + length;
  }
  return {
    name: buf.toString('utf8', p + 46, p + 46 + nameLength),
    declaredSize,
    method: buf.readUInt16LE(p + 10),
    flags: buf.readUInt16LE(p + 8),
    compressedSize,
    localOffset,
    next,
  };
}

/** The entry's stored data, found through its local header. */
function entryData(buf: Buffer, entry: Entry, shift: number, f: ZipFormat): Buffer {
  const at = entry.localOffset + shift;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== SIG_LOCAL) throw damaged(`no local header for ${entry.name}`, f);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  if (start + entry.compressedSize > buf.length) throw damaged(`${entry.name} runs past the end of the file`, f);
  return buf.subarray(start, start + entry.compressedSize);
}

/**
 * Bytes `data` inflates to, counting no further than `cap` + 1. Damaged data counts what came out
 * before the damage (mammoth will refuse it itself if it needs that entry).
 */
function inflatedSize(data: Buffer, cap: number): Promise<number> {
  return new Promise((resolve) => {
    let total = 0;
    const inflate = createInflateRaw({ chunkSize: 1 * MB });
    inflate.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > cap) {
        inflate.destroy();
        resolve(total);
      }
    });
    inflate.on('end', () => resolve(total));
    inflate.on('error', () => resolve(total));
    inflate.end(data);
  });
}

function shortName(name: string): string {
  return name.length > 80 ? `${name.slice(0, 80)}...` : name;
}

/**
 * @param format how messages name the file (default: a Word .docx)
 * @throws InvalidInputError when the archive is damaged or unpacks to more than `limits` allow.
 */
export async function assertZipWithinLimits(bytes: Uint8Array, limits: ZipLimits = DOCX_ZIP_LIMITS, format: ZipFormat = DOCX_FORMAT): Promise<void> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { at, shift } = centralDirectory(buf, format);
  const { ext } = format;
  const tooBig = (name: string) => bomb(`a part of this ${ext} (${shortName(name)}) unpacks to more than ${limits.maxEntryBytes / MB} MB`);
  // Pass 1, nothing inflated: the entry count and the sizes the archive itself states.
  const entries: Entry[] = [];
  let declaredTotal = 0;
  for (let p = at; p + 4 <= buf.length && buf.readUInt32LE(p) === SIG_CENTRAL; ) {
    if (entries.length >= limits.maxEntries) throw bomb(`this ${ext} holds more than ${limits.maxEntries} parts`);
    const entry = readCentral(buf, p, format);
    p = entry.next;
    entries.push(entry);
    if (entry.declaredSize > limits.maxEntryBytes) throw tooBig(entry.name);
    declaredTotal += entry.declaredSize;
    if (declaredTotal > limits.maxTotalBytes) throw bomb(`this ${ext} unpacks to more than ${limits.maxTotalBytes / MB} MB in all`);
  }
  if (entries.length === 0) throw damaged('no central directory', format);
  // Pass 2: what inflating really produces, counted and thrown away.
  let total = 0;
  for (const entry of entries) {
    const encrypted = (entry.flags & 1) !== 0;
    if (encrypted || (entry.method !== 0 && entry.method !== 8)) continue; // JSZip refuses these itself
    const data = entryData(buf, entry, shift, format);
    const cap = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - total);
    const size = entry.method === 0 ? data.length : await inflatedSize(data, cap);
    if (size > limits.maxEntryBytes) throw tooBig(entry.name);
    total += size;
    if (total > limits.maxTotalBytes) throw bomb(`this ${ext} unpacks to more than ${limits.maxTotalBytes / MB} MB in all`);
  }
}
