/**
 * "Add a web page": the web fetches a URL and it becomes an ordinary document that remembers its
 * address; "Refresh" fetches it again. src/sources/web-page-service.ts implements it.
 */
import type { DocumentStatus } from '../contracts/ingest.ts';

export interface WebPageResult {
  id: string;
  name: string;
  status: DocumentStatus;
  url: string;
  /** add: the same content was in the library already. */
  duplicate: boolean;
}

export interface RefreshResult extends WebPageResult {
  /** True when the page's content had not changed: nothing was re-ingested. */
  unchanged: boolean;
  /** The document the refresh replaced (its passages leave the index); absent when unchanged. */
  replaced?: string | undefined;
}

export interface WebPageService {
  /** Fetches `url` and ingests it into the collection (an id; default General). Throws UrlFetchError (InvalidInputError) on refusals. */
  add(url: string, opts?: { collectionId?: string | undefined }): Promise<WebPageResult>;
  /** Fetches the document's page again; a changed page replaces the document. NotFoundError when it is not a web page. */
  refresh(documentId: string): Promise<RefreshResult>;
}
