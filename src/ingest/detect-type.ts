/**
 * Media-type detection from a file's content. The name only chooses between plain text and
 * Markdown (their bytes look the same); it never makes binary content acceptable, so a PNG renamed
 * to `.txt` is refused with a message that says what it really is.
 *
 * - PDF: starts with `%PDF-` (and has its end, see assertPdfComplete).
 * - Word .docx: a ZIP holding `word/document.xml`.
 * - PowerPoint, Excel, EPUB, OpenDocument text: ZIPs told apart by their members (zip-members.ts).
 * - RTF: starts with `{\rtf`.
 * - CSV: text in a file named .csv or .tsv.
 * - Images for OCR: PNG, JPEG, TIFF, WebP by their magic bytes (ocr/image-header.ts).
 * - HTML: text that starts (after a BOM, whitespace, comments and an XML declaration) with
 *   `<!doctype html` or `<html`, or that has a `<head>` or `<body>` tag. A file named .md/.markdown
 *   needs the first form: Markdown about web pages often shows `<body>` in its code samples.
 * - Plain text / Markdown: any other valid UTF-8 text.
 *
 * Detection streams: a {@link TypeSniffer} is fed the file chunk by chunk and keeps only what it
 * needs (the first 64 KB, the last 2 KB, a few bytes of carry for the searches across chunk
 * boundaries, and counters), so a 50 MB upload is judged without being held in memory.
 */
import { ACCEPTED_FORMATS as ACCEPTED } from '../contracts/accepted-files.ts';
import { DOCX_MEDIA_TYPE, SUPPORTED_MEDIA_TYPES, type MediaType } from '../contracts/ingest.ts';
import { InvalidInputError } from '../errors.ts';
import { yieldToEventLoop } from '../shared/yield.ts';
import { StreamSearch } from './stream-search.ts';
import { ZipMembers } from './zip-members.ts';
import { imageTypeOf } from './ocr/image-header.ts';

/** Signatures of formats people commonly try to upload, so the refusal can name them. */
const SIGNATURES: Array<{ at: number; bytes: number[]; name: string }> = [
  { at: 0, bytes: [0x89, 0x50, 0x4e, 0x47], name: 'a PNG image' },
  { at: 0, bytes: [0xff, 0xd8, 0xff], name: 'a JPEG image' },
  { at: 0, bytes: [0x47, 0x49, 0x46, 0x38], name: 'a GIF image' },
  { at: 0, bytes: [0x49, 0x49, 0x2a, 0x00], name: 'a TIFF image' },
  { at: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a], name: 'a TIFF image' },
  { at: 0, bytes: [0xd0, 0xcf, 0x11, 0xe0], name: 'an old Microsoft Office (.doc/.xls/.ppt) file' },
  { at: 0, bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66], name: 'an RTF document' },
  { at: 0, bytes: [0x1f, 0x8b], name: 'a gzip archive' },
  { at: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf], name: 'a 7-Zip archive' },
  { at: 0, bytes: [0x52, 0x61, 0x72, 0x21], name: 'a RAR archive' },
  { at: 0, bytes: [0x7f, 0x45, 0x4c, 0x46], name: 'a program (ELF)' },
  { at: 0, bytes: [0x4d, 0x5a], name: 'a Windows program' },
  { at: 0, bytes: [0x49, 0x44, 0x33], name: 'an MP3 audio file' },
  { at: 4, bytes: [0x66, 0x74, 0x79, 0x70], name: 'a video or audio (MP4/MOV) file' },
  { at: 8, bytes: [0x57, 0x45, 0x42, 0x50], name: 'a WebP image' },
  { at: 0, bytes: [0xff, 0xfe], name: 'UTF-16 text (save it as UTF-8 and upload it again)' },
  { at: 0, bytes: [0xfe, 0xff], name: 'UTF-16 text (save it as UTF-8 and upload it again)' },
];

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
const OLE = [0xd0, 0xcf, 0x11, 0xe0];
const RTF = [0x7b, 0x5c, 0x72, 0x74, 0x66]; // "{\rtf"
const HEAD_BYTES = 64 * 1024;
const PDF_TAIL_BYTES = 2048;

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

/** ZIP containers hide Office and EPUB documents; their member names near the start tell which. */
function describeZip(head: Buffer): string {
  const text = head.toString('latin1');
  if (text.includes('word/')) return 'a ZIP/Word (.docx) file';
  if (text.includes('xl/')) return 'a ZIP/Excel (.xlsx) file';
  if (text.includes('ppt/')) return 'a ZIP/PowerPoint (.pptx) file';
  if (text.includes('application/epub+zip')) return 'a ZIP/EPUB e-book';
  if (text.includes('application/vnd.oasis.opendocument')) return 'a ZIP/OpenDocument file';
  return 'a ZIP archive';
}

const LEADING_NOISE = /^(?:\s+|<!--[\s\S]*?-->|<\?xml[^>]*\?>)*/;
const HEAD_OR_BODY = /<(head|body)[\s>]/i;

/** `head` is the start of the text; `hasHeadOrBody` whether a <head>/<body> tag occurs anywhere. */
function looksLikeHtml(head: string, hasHeadOrBody: boolean, name: string): boolean {
  const start = head.replace(/^\uFEFF/, '').replace(LEADING_NOISE, '');
  if (/^<!doctype\s+html|^<html[\s>]/i.test(start)) return true;
  if (/\.(md|markdown)$/i.test(name)) return false;
  return hasHeadOrBody;
}

/** Valid UTF-8, no NUL, and almost no control characters other than whitespace; decoded as it streams. */
class TextCheck {
  private ok = true;
  private controls = 0;
  private length = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Whether a <head> or <body> tag occurred (HTML fragments have one). */
  hasHeadOrBody = false;
  private tail = '';

  update(chunk: Buffer): void {
    if (!this.ok) return;
    if (chunk.includes(0)) {
      this.ok = false;
      return;
    }
    try {
      this.count(this.decoder.decode(chunk, { stream: true }));
    } catch {
      this.ok = false;
    }
  }

  /** True when everything fed was text. */
  finish(): boolean {
    if (!this.ok) return false;
    try {
      this.count(this.decoder.decode());
    } catch {
      return false;
    }
    // A few stray control characters happen in real text exports; binary data has many.
    return this.controls <= Math.max(8, this.length / 1000);
  }

  private count(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // Tab, LF, VT, FF, CR and ESC (ANSI colours in logs) are normal in text files.
      if (c < 0x20 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13 && c !== 27) this.controls++;
    }
    this.length += text.length;
    if (!this.hasHeadOrBody) {
      const probe = this.tail + text;
      this.hasHeadOrBody = HEAD_OR_BODY.test(probe);
      this.tail = probe.slice(-6);
    }
  }
}

/**
 * Judges a file's media type from its content, fed in chunks of any size. `name` only picks
 * Markdown over plain text. Memory stays at about 70 KB whatever the file's size.
 */
export class TypeSniffer {
  private readonly headParts: Buffer[] = [];
  private headLength = 0;
  private tail = Buffer.alloc(0);
  private size = 0;
  private readonly docx = new StreamSearch(Buffer.from('word/document.xml', 'latin1'));
  /** Password-protected Office files are OLE containers holding an `EncryptedPackage` stream. */
  private readonly encrypted = new StreamSearch(Buffer.from('EncryptedPackage', 'utf16le'));
  private readonly text = new TextCheck();
  private readonly zipMembers = new ZipMembers();

  constructor(private readonly name: string) {}

  update(bytes: Uint8Array): this {
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (chunk.length === 0) return this;
    this.size += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headParts.push(part);
      this.headLength += part.length;
    }
    this.tail = Buffer.from(Buffer.concat([this.tail, chunk.subarray(-PDF_TAIL_BYTES)]).subarray(-PDF_TAIL_BYTES));
    this.docx.update(chunk);
    this.zipMembers.update(chunk);
    this.encrypted.update(chunk);
    this.text.update(chunk);
    return this;
  }

  /**
   * The media type of everything fed so far.
   * @throws InvalidInputError for empty files and unsupported content, naming what was found.
   */
  finish(): MediaType {
    if (this.size === 0) throw new InvalidInputError('the file is empty', { code: 'empty_file' });
    const head = Buffer.concat(this.headParts);
    let type: MediaType;
    if (startsWith(head, PDF)) {
      assertPdfComplete(this.tail);
      type = 'application/pdf';
    } else if (startsWith(head, ZIP) && this.docx.found) type = DOCX_MEDIA_TYPE;
    else if (startsWith(head, ZIP) && this.zipMembers.type(head)) type = this.zipMembers.type(head)!;
    else if (startsWith(head, RTF)) type = 'application/rtf';
    else if (imageTypeOf(head)) type = imageTypeOf(head)!; // read by OCR (ocr/parse-image.ts)
    else if (this.text.finish()) {
      if (looksLikeHtml(head.toString('utf8'), this.text.hasHeadOrBody, this.name)) type = 'text/html';
      else if (/\.(csv|tsv)$/i.test(this.name)) type = 'text/csv';
      else type = /\.(md|markdown)$/i.test(this.name) ? 'text/markdown' : 'text/plain';
    } else {
      throw new InvalidInputError(`looks like ${this.describeBinary(head)}; ${ACCEPTED}`, { code: 'unsupported_type' });
    }
    // Keeps this function and the wire contract in step if a type is ever removed there.
    if (!SUPPORTED_MEDIA_TYPES.includes(type)) throw new InvalidInputError(`${type} is not supported; ${ACCEPTED}`);
    return type;
  }

  private describeBinary(head: Buffer): string {
    if (startsWith(head, ZIP)) return describeZip(head);
    if (startsWith(head, OLE) && this.encrypted.found) return 'a password-protected Office document (remove the password and upload it again)';
    for (const s of SIGNATURES) if (startsWith(head, s.bytes, s.at)) return s.name;
    return 'binary data';
  }
}

/**
 * A PDF ends with `startxref` and `%%EOF` (a little trailing junk is common, so the last 2 KB are
 * searched). Without them the file was cut short or is not really a PDF: refusing it at upload
 * tells the person at once instead of a failed ingestion later. Deeper damage is found by the
 * parser and ends the document `failed` with the reason.
 */
function assertPdfComplete(tailBytes: Buffer): void {
  const tail = tailBytes.toString('latin1');
  if (!tail.includes('%%EOF') || !tail.includes('startxref')) {
    throw new InvalidInputError('the PDF is damaged or incomplete (its end is missing); try exporting or downloading it again', {
      code: 'corrupt_pdf',
    });
  }
}

/**
 * The media type of `bytes`, judged by content. `name` only picks Markdown over plain text.
 * @throws InvalidInputError for empty files and unsupported content, naming what was found.
 */
export function detectMediaType(bytes: Uint8Array, name: string): MediaType {
  return new TypeSniffer(name).update(bytes).finish();
}

/** Bytes judged between two yields of detectMediaTypeAsync (a few ms of work each). */
export const DETECT_SLICE_BYTES = 1 << 20;

/**
 * detectMediaType for callers that share their event loop with the web (`npm start`): the bytes are
 * fed in 1 MB slices with a yield between them, so a 20 MB file does not hold the loop for the
 * ~90 ms one pass over it takes.
 */
export async function detectMediaTypeAsync(bytes: Uint8Array, name: string): Promise<MediaType> {
  const sniffer = new TypeSniffer(name);
  for (let at = 0; at < bytes.length; at += DETECT_SLICE_BYTES) {
    sniffer.update(bytes.subarray(at, at + DETECT_SLICE_BYTES));
    await yieldToEventLoop();
  }
  return sniffer.finish();
}
