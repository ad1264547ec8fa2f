/**
 * htmlparser2's Parser with a cap on how deeply elements nest, as browsers have (Chromium's HTML
 * parser stops nesting at 512): an element opened at the cap first closes the innermost open one,
 * so it becomes that element's sibling instead of its child.
 *
 * Why: htmlparser2 keeps its open elements in an array it grows at the front (`unshift`) and
 * searches at every end tag (`indexOf`), so both cost the nesting depth; 200,000 nested divs took
 * 41 s, and a stream of unmatched end tags inside deep nesting is just as slow. With the cap every
 * tag costs at most MAX_DEPTH steps, so parsing is linear in the page. No real page nests this
 * deeply; past the cap the text is still all there, only its grouping flattens.
 *
 * The cap reaches into two private members (`stack`, `popElement`); the constructor checks they
 * are there, so an htmlparser2 upgrade that renames them fails loudly in the tests.
 */
import { Parser, type Handler, type ParserOptions } from 'htmlparser2';

export const MAX_DEPTH = 512;

interface ParserInternals {
  stack: unknown[];
  popElement(implied: boolean): void;
}

export class DepthCappedParser extends Parser {
  private readonly internals: ParserInternals;

  constructor(cbs: Partial<Handler>, options: ParserOptions) {
    super(cbs, options);
    const internals = this as unknown as Partial<ParserInternals>;
    if (!Array.isArray(internals.stack) || typeof internals.popElement !== 'function') {
      throw new Error('htmlparser2 changed its internals: DepthCappedParser needs Parser#stack and Parser#popElement');
    }
    this.internals = internals as ParserInternals;
  }

  override onopentagname(start: number, endIndex: number): void {
    if (this.internals.stack.length >= MAX_DEPTH) this.internals.popElement(true);
    super.onopentagname(start, endIndex);
  }
}
