/**
 * Word (.docx) parser on mammoth: the document's raw text, one paragraph per line pair (mammoth
 * ends every paragraph with a blank line, which the chunker splits on first). Formatting, images
 * and comments are left out; tables come through as their cell texts.
 *
 * Before mammoth unpacks anything, zip-limits.ts checks what the archive unpacks to (per part and
 * in all), so a zip bomb is refused with a reason instead of filling the parse child's memory.
 */
import { errorMessage, InvalidInputError } from '../errors.ts';
import { hasText, normaliseText, type ParsedDocument } from './parsed-document.ts';
import { assertZipWithinLimits } from './zip-limits.ts';

/**
 * @throws InvalidInputError when the file is not a readable Word document, unpacks to more than
 * the zip limits allow, or has no text.
 */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  await assertZipWithinLimits(bytes);
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
