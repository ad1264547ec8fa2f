/**
 * HTML parser on htmlparser2: the text a reader sees, not the markup.
 *
 * Dropped: <head> (metadata, scripts, styles) except the <title>, and wherever they appear
 * <script>, <style>, <noscript> (this is not a browser: scripts never run, so their fallback is
 * not what the page shows), <template>, <iframe>, <object>, <svg>, <canvas>, and elements marked
 * `hidden`, `aria-hidden="true"` or `style="display:none"`. Entities are decoded. Whitespace is
 * collapsed as a browser does (kept inside <pre>); block elements end lines, <br> breaks one.
 * The title, when there is one, is the first line, so it is searchable and cited with the text.
 * Headings <h1>-<h6> become sections, so chunks carry a heading path.
 *
 * The text is built in one pass with offsets final as they are written (no later normalising),
 * so section offsets stay exact. Parsing is linear in the page: the text builder only ever looks
 * at the end of the text (html-text-builder.ts), heading text is read once when the heading ends,
 * and nesting is capped as browsers cap it (html-depth-cap.ts).
 */
import { InvalidInputError } from '../errors.ts';
import { DepthCappedParser } from './html-depth-cap.ts';
import { TextBuilder } from './html-text-builder.ts';
import { HeadingStack, hasText, type ParsedDocument, type Section } from './parsed-document.ts';

const DROPPED = new Set(['head', 'script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'svg', 'math', 'canvas', 'select', 'datalist']);
/** Elements after which the next text starts on a new line. */
const LINE = new Set(['br', 'li', 'tr', 'dt', 'dd', 'option', 'caption', 'figcaption', 'summary', 'legend']);
/** Elements set apart by a blank line (paragraph-like). */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'details', 'dialog', 'div', 'dl', 'fieldset', 'figure', 'footer',
  'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'html', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'table', 'tbody', 'tfoot', 'thead', 'ul',
]);
const CELL = new Set(['td', 'th']);

function isHidden(name: string, attrs: Record<string, string>): boolean {
  if (DROPPED.has(name) || 'hidden' in attrs) return true;
  if (attrs['aria-hidden']?.toLowerCase() === 'true') return true;
  return /display\s*:\s*none|visibility\s*:\s*hidden/i.test(attrs.style ?? '');
}

export interface ParseHtmlOptions {
  /** Start the text with the <title> (default true); an e-book's chapters repeat the book's title. */
  leadWithTitle?: boolean;
}

/** @throws InvalidInputError when the page has no visible text. */
export function parseHtml(bytes: Uint8Array, opts: ParseHtmlOptions = {}): ParsedDocument {
  const source = new TextDecoder('utf-8').decode(bytes); // lenient: stray bytes become U+FFFD
  const body = new TextBuilder();
  const sections: Section[] = [];
  const headings = new HeadingStack();
  const hiddenStack: boolean[] = [];
  /** Open elements: the <svg> ones are counted, since an <svg><title> is a tooltip. */
  const open: string[] = [];
  let svgDepth = 0;
  let hiddenDepth = 0;
  let preDepth = 0;
  let title = null as string | null;
  let inTitle = false;
  let titleText = '';
  // Set in the callbacks; the cast keeps TypeScript from narrowing it to null for good.
  let heading = null as { level: number; start: number } | null;

  const parser = new DepthCappedParser(
    {
      onopentag(name, attrs) {
        // <title> lives in <head>, which is otherwise dropped; an <svg><title> is a tooltip.
        if (name === 'title' && title === null && svgDepth === 0) {
          inTitle = true;
          titleText = '';
        }
        const hidden = isHidden(name, attrs);
        hiddenStack.push(hidden);
        open.push(name);
        if (name === 'svg') svgDepth++;
        if (hidden) hiddenDepth++;
        if (hiddenDepth > 0) return;
        if (name === 'pre') preDepth++;
        if (BLOCK.has(name)) body.breakLine(true);
        else if (LINE.has(name)) body.breakLine(false);
        else if (CELL.has(name)) body.space();
        const h = /^h([1-6])$/.exec(name);
        if (h) heading = { level: Number(h[1]), start: body.length };
      },
      ontext(text) {
        if (inTitle) titleText += text;
        if (hiddenDepth === 0) body.add(text, preDepth > 0);
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          const t = titleText.replace(/\s+/g, ' ').trim();
          if (t !== '') title = t;
        }
        if (open.pop() === 'svg') svgDepth--;
        const hidden = hiddenStack.pop() ?? false;
        if (hidden) {
          hiddenDepth--;
          return;
        }
        if (hiddenDepth > 0) return;
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (heading && name === `h${heading.level}`) {
          const text = body.slice(heading.start).replace(/\s+/g, ' ').trim();
          if (text !== '') sections.push({ start: heading.start, path: headings.push(heading.level, text) });
          heading = null;
        }
        if (BLOCK.has(name)) body.breakLine(true);
        else if (LINE.has(name)) body.breakLine(false);
        else if (CELL.has(name)) body.space();
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(source.replace(/^\uFEFF/, ''));
  parser.end();

  const bodyText = body.text();
  if (!hasText(bodyText) && title === null) throw new InvalidInputError('the HTML page has no visible text', { code: 'no_text' });
  // The title leads the text unless the page already starts with it (a common <h1>).
  const prefix = opts.leadWithTitle !== false && title !== null && !bodyText.startsWith(title) ? `${title}\n\n` : '';
  const shifted = sections.map((s) => ({ start: s.start + prefix.length, path: s.path }));
  return { pages: [{ page: null, text: prefix + bodyText, sections: shifted }], pageCount: null, title };
}
