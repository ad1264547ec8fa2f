/**
 * Media-type detection from a file's content. The name only chooses between plain text and
 * Markdown (their bytes look the same); it never makes binary content acceptable, so a PNG renamed
 * to `.txt` is refused with a message that says what it really is.
 *
 * - PDF: starts with `%PDF-` (and has its end, see assertPdfComplete).
 * - Word .docx: a ZIP holding `word/document.xml`.
 * - HTML: text that starts (after a BOM, whitespace, comments and an XML declaration) with
 *   `<!doctype html` or `<html`, or that has a `<head>` or `<body>` tag. A file named .md/.markdown
 *   needs the first form: Markdown about web pages often shows `<body>` in its code samples.
 * - Plain text / Markdown: any other valid UTF-8 text.
 *
 * The text checks read the whole file, about 90 ms for 20 MB: detectMediaTypeAsync does them in
 * 1 MB slices and yields between them, for callers that share their event loop with the web.
 */
import { DOCX_MEDIA_TYPE, SUPPORTED_MEDIA_TYPES, type MediaType } from '../contracts/ingest.ts';
import { InvalidInputError } from '../errors.ts';
import { yieldToEventLoop } from '../shared/yield.ts';

const ACCEPTED = 'Docent accepts PDF, Word (.docx), HTML, plain text and Markdown';

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

function startsWith(bytes: Uint8Array, sig: number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  return sig.every((b, i) => bytes[at + i] === b);
}

/** ZIP containers hide Office and EPUB documents; their member names near the start tell which. */
function describeZip(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 64 * 1024)).toString('latin1');
  if (head.includes('word/')) return 'a ZIP/Word (.docx) file';
  if (head.includes('xl/')) return 'a ZIP/Excel (.xlsx) file';
  if (head.includes('ppt/')) return 'a ZIP/PowerPoint (.pptx) file';
  if (head.includes('application/epub+zip')) return 'a ZIP/EPUB e-book';
  if (head.includes('application/vnd.oasis.opendocument')) return 'a ZIP/OpenDocument file';
  return 'a ZIP archive';
}

const OLE = [0xd0, 0xcf, 0x11, 0xe0];

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A ZIP whose entries include word/document.xml (its name is stored in the clear, twice). */
function isDocx(bytes: Uint8Array): boolean {
  return startsWith(bytes, ZIP) && asBuffer(bytes).includes('word/document.xml', 0, 'latin1');
}

/** Password-protected Office files are OLE containers holding an `EncryptedPackage` stream. */
function isEncryptedOffice(bytes: Uint8Array): boolean {
  return startsWith(bytes, OLE) && asBuffer(bytes).includes(Buffer.from('EncryptedPackage', 'utf16le'));
}

const LEADING_NOISE = /^(?:\s+|<!--[\s\S]*?-->|<\?xml[^>]*\?>)*/;

function describeBinary(bytes: Uint8Array): string {
  if (startsWith(bytes, ZIP)) return describeZip(bytes);
  if (isEncryptedOffice(bytes)) return 'a password-protected Office document (remove the password and upload it again)';
  for (const s of SIGNATURES) if (startsWith(bytes, s.bytes, s.at)) return s.name;
  return 'binary data';
}

/**
 * Bytes looked at between two yields of the detection (sliced below). About 4 ms of work each, so
 * the async driver keeps a 20 MB upload from holding the event loop (the web's, in `npm start`) for
 * the ~90 ms one pass over it takes.
 */
export const DETECT_SLICE_BYTES = 1 << 20;
const HEAD_CHARS = 64 * 1024;
/** `<head` / `<body` plus the character after it: what a slice must carry over to the next one. */
const BODY_TAG = /<(head|body)[\s>]/i;
const TAG_CARRY = 6;

interface TextFacts {
  /** The first HEAD_CHARS characters (a byte-order mark kept). */
  head: string;
  /** Somewhere in the text a `<head>` or `<body>` tag opens. */
  bodyTag: boolean;
}

/**
 * Valid UTF-8, no NUL, and almost no control characters other than whitespace: then what the HTML
 * check needs, else null. Works through the bytes a slice at a time and yields after each slice.
 */
function* readText(bytes: Uint8Array): Generator<void, TextFacts | null> {
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let head = '';
  let carry = '';
  let bodyTag = false;
  let controls = 0;
  let length = 0;
  for (let at = 0; at < bytes.length; at += DETECT_SLICE_BYTES) {
    const slice = bytes.subarray(at, at + DETECT_SLICE_BYTES);
    if (slice.includes(0)) return null;
    let text: string;
    try {
      text = utf8.decode(slice, { stream: at + DETECT_SLICE_BYTES < bytes.length });
    } catch {
      return null;
    }
    length += text.length;
    if (head.length < HEAD_CHARS) head += text.slice(0, HEAD_CHARS - head.length);
    bodyTag ||= BODY_TAG.test(carry + text);
    carry = (carry + text).slice(-TAG_CARRY);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // Tab, LF, VT, FF, CR and ESC (ANSI colours in logs) are normal in text files.
      if (c < 0x20 && c !== 9 && c !== 10 && c !== 11 && c !== 12 && c !== 13 && c !== 27) controls++;
    }
    yield;
  }
  // A few stray control characters happen in real text exports; binary data has many.
  return controls <= Math.max(8, length / 1000) ? { head, bodyTag } : null;
}

function looksLikeHtml(facts: TextFacts, name: string): boolean {
  const head = facts.head.replace(/^\uFEFF/, '').replace(LEADING_NOISE, '');
  if (/^<!doctype\s+html|^<html[\s>]/i.test(head)) return true;
  if (/\.(md|markdown)$/i.test(name)) return false;
  return facts.bodyTag;
}

const PDF_TAIL_BYTES = 2048;

/**
 * A PDF ends with `startxref` and `%%EOF` (a little trailing junk is common, so the last 2 KB are
 * searched). Without them the file was cut short or is not really a PDF: refusing it at upload
 * tells the person at once instead of a failed ingestion later. Deeper damage is found by the
 * parser and ends the document `failed` with the reason.
 */
function assertPdfComplete(bytes: Uint8Array): void {
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).subarray(Math.max(0, bytes.length - PDF_TAIL_BYTES)).toString('latin1');
  if (!tail.includes('%%EOF') || !tail.includes('startxref')) {
    throw new InvalidInputError('the PDF is damaged or incomplete (its end is missing); try exporting or downloading it again', {
      code: 'corrupt_pdf',
    });
  }
}

/** The detection, yielding between slices of a large file (see DETECT_SLICE_BYTES). */
function* detect(bytes: Uint8Array, name: string): Generator<void, MediaType> {
  if (bytes.length === 0) throw new InvalidInputError('the file is empty', { code: 'empty_file' });
  let type: MediaType;
  if (startsWith(bytes, PDF)) {
    assertPdfComplete(bytes);
    type = 'application/pdf';
  } else if (isDocx(bytes)) type = DOCX_MEDIA_TYPE;
  else {
    const text = yield* readText(bytes);
    if (!text) throw new InvalidInputError(`looks like ${describeBinary(bytes)}; ${ACCEPTED}`, { code: 'unsupported_type' });
    if (looksLikeHtml(text, name)) type = 'text/html';
    else type = /\.(md|markdown)$/i.test(name) ? 'text/markdown' : 'text/plain';
  }
  // Keeps this function and the wire contract in step if a type is ever removed there.
  if (!SUPPORTED_MEDIA_TYPES.includes(type)) throw new InvalidInputError(`${type} is not supported; ${ACCEPTED}`);
  return type;
}

/**
 * The media type of `bytes`, judged by content. `name` only picks Markdown over plain text.
 * @throws InvalidInputError for empty files and unsupported content, naming what was found.
 */
export function detectMediaType(bytes: Uint8Array, name: string): MediaType {
  const steps = detect(bytes, name);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * detectMediaType for a process that serves other work meanwhile (the web, the ingest worker):
 * the same answer, with the event loop free between slices of a large file.
 */
export async function detectMediaTypeAsync(bytes: Uint8Array, name: string): Promise<MediaType> {
  const steps = detect(bytes, name);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await yieldToEventLoop();
  }
}
