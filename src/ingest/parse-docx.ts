/**
 * Word (.docx) parser on mammoth: the document's raw text, one paragraph per line pair (mammoth
 * ends every paragraph with a blank line, which the chunker splits on first). Formatting, images
 * and comments are left out; tables come through as their cell texts.
 */
import { errorMessage, InvalidInputError } from '../errors.ts';
import { hasText, normaliseText, type ParsedDocument } from './parsed-document.ts';

/** @throws InvalidInputError when the file is not a readable Word document or has no text. */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  const { default: mammoth } = await import('mammoth');
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) })).value;
  } catch (err) {
    throw new InvalidInputError(`the Word document could not be read (${errorMessage(err)})`, { code: 'unreadable', cause: err });
  }
  // Runs of empty paragraphs (spacing by pressing Enter) carry no meaning for search.
  const text = normaliseText(raw).replace(/\n{3,}/g, '\n\n').trim();
  if (!hasText(text)) throw new InvalidInputError('the Word document has no text', { code: 'no_text' });
  return { pages: [{ page: null, text }], pageCount: null };
}
