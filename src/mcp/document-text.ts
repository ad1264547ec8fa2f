/**
 * A document's pages as one text for tools and API clients: pages separated by a line
 * "--- page n ---" (formats without pages are one text), cut at a character budget.
 */
import type { McpDocumentText } from './backend.ts';

export function joinPages(
  doc: { id: string; name: string },
  pages: ReadonlyArray<{ page: number | null; text: string }>,
  maxChars: number,
): McpDocumentText {
  const parts = pages.map((p) => (p.page === null || pages.length === 1 ? p.text : `--- page ${p.page} ---\n${p.text}`));
  const whole = parts.join('\n\n');
  const truncated = whole.length > maxChars;
  return { id: doc.id, name: doc.name, text: truncated ? whole.slice(0, maxChars) : whole, totalChars: whole.length, truncated };
}
