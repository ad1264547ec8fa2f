/**
 * The cited-passage port: a passage an answer cited, shown in its document's text
 * (src/chats/passages.ts implements it by parsing the stored upload again).
 */
import type { Source } from '../contracts/source.ts';
import type { DocumentView } from './document-service.ts';

export interface PassageView {
  document: DocumentView;
  source: Source;
  /** Text before the passage, the passage, and after it; `before`/`after` start/end with "…" when cut. */
  before: string;
  passage: string;
  after: string;
  /** False when the passage could not be located in the document's text (it is shown on its own). */
  located: boolean;
}

export interface PassageService {
  /** Throws NotFoundError when the document, its stored file or the cited passage is gone. */
  passage(documentId: string, chunkId: string): Promise<PassageView>;
}
