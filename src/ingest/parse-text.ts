/**
 * Parser for plain text and Markdown: the whole file is one "page" (page = null). Markdown is kept
 * as written (the chunker splits it on headings, and the model reads Markdown well); its headings
 * become sections, so each chunk carries its heading path.
 */
import { InvalidInputError } from '../errors.ts';
import { markdownSections } from './markdown-sections.ts';
import { hasText, normaliseText, type ParsedDocument } from './parsed-document.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface ParseTextOptions {
  /** Read headings as sections (Markdown). Default false. */
  markdown?: boolean;
}

/** @throws InvalidInputError when the bytes are not UTF-8 or hold only whitespace. */
export function parseText(bytes: Uint8Array, opts: ParseTextOptions = {}): ParsedDocument {
  let text: string;
  try {
    text = normaliseText(utf8.decode(bytes));
  } catch (err) {
    throw new InvalidInputError('the file is not valid UTF-8 text', { code: 'unreadable', cause: err });
  }
  if (!hasText(text)) throw new InvalidInputError('the file has no text', { code: 'no_text' });
  const page = opts.markdown === true ? { page: null, text, sections: markdownSections(text) } : { page: null, text };
  return { pages: [page], pageCount: null };
}
