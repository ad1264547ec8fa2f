/**
 * Escape-by-default HTML templates.
 *
 *   html`<p>${value}</p>`
 *
 * Every interpolated value is escaped (text and attribute contexts alike: `& < > " '` are
 * replaced), arrays are joined, `null`/`undefined`/`false` render as nothing. Fragments made with
 * `html` are already safe and are inserted as they are. `raw(trusted)` is the one visible, reviewed
 * way to insert markup unescaped; model output and document text must never go through it.
 */

/** A piece of HTML that is safe to insert as it is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are trusted, every `${value}` is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/**
 * Inserts trusted markup unescaped. Reviewed exception: only for markup the program itself
 * produced (never user, document or model text).
 */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** JSON for a data attribute: html`` escapes it like any other value, the browser unescapes it. */
export function jsonAttr(value: unknown): string {
  return JSON.stringify(value);
}
