/**
 * The cited-passage port: a passage an answer cited, shown in its document's text, and a
 * document's whole text (MCP resources); src/chats/passages.ts implements it by parsing the stored
 * upload again.
 */
import type { ChatScope } from './chat-scope.ts';
import type { Source } from '../contracts/source.ts';
import type { DocumentView } from './document-service.ts';

export interface PassageView {
  document: DocumentView;
  source: Source;
  /** Text before the passage, the passage, and after it; `before`/`after` start/end with "…" when cut. */
  before: string;
  passage: string;
  after: string;
  /**
   * The sentence of `passage` that best supports the citation ([start, end) in `passage`), when
   * the answer's citation check found one and it is in the text shown.
   */
  supporting?: { start: number; end: number } | undefined;
  /** False when the passage could not be located in the document's text (it is shown on its own). */
  located: boolean;
}

/** A document's whole extracted text, page by page (page null for formats without pages). */
export interface DocumentTextView {
  document: DocumentView;
  pages: Array<{ page: number | null; text: string }>;
}

export interface PassageService {
  /**
   * Throws NotFoundError when the document, its stored file or the cited passage is gone.
   * `scope`: only the answers of these chats count as citing it (undefined: every chat).
   * `answerId`: the answer whose citation is opened (its supporting sentence is marked).
   */
  passage(documentId: string, chunkId: string, scope?: ChatScope, answerId?: string): Promise<PassageView>;
  /** The document's extracted text; throws NotFoundError when the document or its stored file is gone. */
  documentText(documentId: string): Promise<DocumentTextView>;
}
