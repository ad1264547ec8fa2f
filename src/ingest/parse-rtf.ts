/**
 * RTF parser, small and bounded: one pass over the file, linear in its length, keeping a stack of
 * groups no deeper than RTF_MAX_DEPTH (a file nesting deeper is refused; Word's own files stay
 * below 20). It keeps the text a reader sees: paragraphs with a blank line between them, line
 * breaks, tabs, Unicode (\uN with its \ucN fallback skipped) and code-page characters (\'hh in the
 * document's \ansicpg, Windows-1252 by default), field results (a link's text). Everything in
 * destinations that are not body text is skipped: font, colour, style and list tables, document
 * info, pictures, embedded objects, headers and footers, field instructions, and any destination
 * marked \* that this parser does not know.
 */
import { InvalidInputError } from '../errors.ts';
import { hasText, type ParsedDocument } from './parsed-document.ts';

export const RTF_MAX_DEPTH = 256;

const SKIPPED = new Set([
  'fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'object', 'header', 'headerl', 'headerr', 'headerf', 'footer', 'footerl',
  'footerr', 'footerf', 'fldinst', 'listtable', 'listoverridetable', 'revtbl', 'rsidtbl', 'generator', 'xmlnstbl', 'themedata',
  'colorschememapping', 'datastore', 'latentstyles', 'pgdsctbl', 'filetbl', 'shppict', 'nonshppict', 'bkmkstart', 'bkmkend',
]);
const WORDS: Record<string, string> = {
  par: '\n\n', sect: '\n\n', page: '\n\n', line: '\n', tab: '\t', cell: ' ', row: '\n', emdash: '\u2014', endash: '\u2013',
  bullet: '\u2022', lquote: '\u2018', rquote: '\u2019', ldblquote: '\u201C', rdblquote: '\u201D', emspace: ' ', enspace: ' ', qmspace: ' ',
};

const PLAIN_END = new Set(['\\', '{', '}', '\n', '\r']);

function decoderFor(codePage: number): TextDecoder {
  try {
    return new TextDecoder(codePage === 65001 ? 'utf-8' : `windows-${codePage}`);
  } catch {
    return new TextDecoder('windows-1252');
  }
}

/** The reading text of an RTF document. @throws InvalidInputError when groups nest too deeply. */
export function rtfText(source: string): string {
  const out: string[] = [];
  // The current group's state, and the enclosing groups' on stacks of plain values (no object per group).
  let skip = false;
  let uc = 1; // fallback characters after a \uN (\ucN)
  const skips: boolean[] = [];
  const ucs: number[] = [];
  let decoder = decoderFor(1252);
  let bytes: number[] = [];
  let pendingSkip = 0; // fallback characters still to drop after a \uN
  let starred = false; // the last token was \* at the start of a group
  const emit = (s: string) => {
    if (!skip) out.push(s);
  };
  const flushBytes = () => {
    if (bytes.length === 0) return;
    emit(decoder.decode(Uint8Array.from(bytes)));
    bytes = [];
  };
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source[i]!;
    if (c !== '\\' || source[i + 1] !== "'") flushBytes();
    if (c === '{') {
      if (skips.length >= RTF_MAX_DEPTH) {
        throw new InvalidInputError(`the RTF document nests its groups more than ${RTF_MAX_DEPTH} deep; is it damaged? Save it again from a word processor`, { code: 'too_deep' });
      }
      skips.push(skip);
      ucs.push(uc);
      starred = false;
      pendingSkip = 0;
      i++;
    } else if (c === '}') {
      if (skips.length > 0) {
        skip = skips.pop()!;
        uc = ucs.pop()!;
      }
      starred = false;
      i++;
    } else if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[a-z]/i.test(next)) {
        let j = i + 1;
        while (j < n && /[a-z]/i.test(source[j]!)) j++;
        const word = source.slice(i + 1, j);
        let k = j;
        if (source[k] === '-') k++;
        while (k < n && k - j < 10 && /\d/.test(source[k]!)) k++;
        const param = k > j ? Number(source.slice(j, k)) : null;
        if (source[k] === ' ') k++;
        i = k;
        if (starred || SKIPPED.has(word)) skip = true;
        starred = false;
        if (word === 'u' && param !== null) {
          emit(String.fromCharCode(param < 0 ? param + 65536 : param));
          pendingSkip = uc;
          continue;
        }
        if (word === 'uc' && param !== null) uc = Math.max(0, Math.min(param, 10));
        else if (word === 'ansicpg' && param !== null) decoder = decoderFor(param);
        else if (WORDS[word] !== undefined) emit(WORDS[word]);
        pendingSkip = 0;
      } else if (next === "'") {
        const byte = Number.parseInt(source.slice(i + 2, i + 4), 16);
        i += 4;
        if (pendingSkip > 0) pendingSkip--;
        else if (!Number.isNaN(byte)) bytes.push(byte);
      } else {
        i += 2;
        if (next === '*') starred = true;
        else if (pendingSkip > 0) pendingSkip--;
        else if (next === '\\' || next === '{' || next === '}') emit(next);
        else if (next === '~') emit('\u00A0');
        else if (next === '_') emit('-');
        else if (next === '\n' || next === '\r') emit('\n\n');
      }
    } else if (c === '\n' || c === '\r') {
      i++;
    } else {
      // A run of plain text, taken whole.
      let j = i + 1;
      while (j < n && !PLAIN_END.has(source[j]!)) j++;
      const drop = Math.min(pendingSkip, j - i);
      pendingSkip -= drop;
      emit(source.slice(i + drop, j));
      i = j;
    }
  }
  flushBytes();
  return out.join('');
}

/** @throws InvalidInputError when the file is not RTF, nests too deeply, or has no text. */
export function parseRtf(bytes: Uint8Array): ParsedDocument {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (!source.startsWith('{\\rtf')) throw new InvalidInputError('the RTF document could not be read (it does not start with {\\rtf)', { code: 'unreadable' });
  const text = rtfText(source)
    .replace(/[ \t\u00A0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!hasText(text)) throw new InvalidInputError('the RTF document has no text', { code: 'no_text' });
  return { pages: [{ page: null, text }], pageCount: null };
}
