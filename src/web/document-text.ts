/**
 * A ready document's extracted text for programs: GET /api/documents/:id/text and the MCP
 * server's document resources. The text comes from the passage service (the stored upload parsed
 * again, cached), cut at `maxChars`. 404 for an unknown document, 409 for one not ready yet.
 */
import type { McpDocumentText } from '../mcp/backend.ts';
import { joinPages } from '../mcp/document-text.ts';
import { HttpError, notFound } from './http-error.ts';
import type { WebServices } from './services.ts';

/** Characters GET /api/documents/:id/text returns by default and at most. */
export const MAX_TEXT_CHARS = 200_000;

export async function readDocumentText(services: Pick<WebServices, 'documents' | 'passages'>, id: string, maxChars: number): Promise<McpDocumentText> {
  const doc = services.documents.get(id);
  if (!doc) throw notFound(`No document with id "${id}". List them with GET /api/documents (or the list_documents tool).`);
  if (doc.status !== 'ready') throw new HttpError(409, `"${doc.name}" is not ready (status ${doc.status}); only ready documents can be read.`);
  const { pages } = await services.passages.documentText(id);
  return joinPages(doc, pages, maxChars);
}
