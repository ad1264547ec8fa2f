/**
 * Web pages as documents. The fetch runs in the web (it is I/O: streamed to a temp file under
 * <data>/tmp, bounded like an upload by MAX_UPLOAD_MB, see url-fetcher.ts); an HTML page is cut to
 * its readable article in a worker thread (article-extractor.ts); then the file goes through the
 * document service exactly as an upload does (type detected from the content, id = sha256, stored,
 * one `ingest.jobs` message, parsed in the isolated parse child). The registry remembers the
 * address (source-registry.ts).
 *
 * Refresh fetches the address again. The same bytes give the same document id: nothing is done and
 * the answer says so. Changed bytes are a new document in the same collections; the old one is
 * deleted through the normal delete job, so its passages leave the index once the new ones are in
 * the queue ahead of it (the single ingest writer applies jobs in order).
 */
import fs from 'node:fs/promises';
import { NotFoundError } from '../errors.ts';
import type { DocumentService } from '../ports/document-service.ts';
import type { RefreshResult, WebPageService } from '../ports/web-pages.ts';
import type { SourceRegistry } from '../documents/source-registry.ts';
import { extractArticle } from './article-extractor.ts';
import { pageTitle } from './article-html.ts';
import { fetchUrl, type FetchOptions, type FetchedPage } from './url-fetcher.ts';

const EXTENSIONS: Record<string, string> = {
  'text/html': '.html',
  'application/xhtml+xml': '.html',
  'text/plain': '.txt',
  'text/markdown': '.md',
  'text/csv': '.csv',
  'application/pdf': '.pdf',
  'application/epub+zip': '.epub',
  'application/rtf': '.rtf',
};

export interface WebPageDeps {
  documents: DocumentService;
  sources: SourceRegistry;
  fetch: Omit<FetchOptions, 'tempDir'>;
  /** Temp files (the upload temp dir, <DATA_DIR>/tmp). */
  tempDir: string;
  /** Checks the fetched file against MAX_STORAGE_MB (throws to refuse it); default: no check. */
  admit?: (tempPath: string, size: number) => Promise<void>;
  /** Bounds of the article extraction. */
  article?: { timeoutMs: number; maxMemoryMb: number };
}

/** A file name for the page: its title for HTML, else the last part of its path; with the type's extension. */
function nameFor(page: FetchedPage, title: string | undefined): string {
  const url = new URL(page.finalUrl);
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  const base = (title ?? (last || url.hostname)).slice(0, 150);
  const ext = EXTENSIONS[page.contentType] ?? '';
  return ext !== '' && !base.toLowerCase().endsWith(ext) ? `${base}${ext}` : base;
}

export function createWebPageService(deps: WebPageDeps): WebPageService {
  const articleBounds = deps.article ?? { timeoutMs: 30_000, maxMemoryMb: 512 };

  /** Fetches the page; an HTML page becomes its article. Returns the upload to hand on. */
  const fetchPage = async (url: string) => {
    const page = await fetchUrl(url, { ...deps.fetch, tempDir: deps.tempDir });
    let tempPath = page.tempPath;
    let title: string | undefined;
    if (page.contentType === 'text/html' || page.contentType === 'application/xhtml+xml') {
      const head = await readHead(page.tempPath);
      title = pageTitle(head);
      const article = `${page.tempPath}.article`;
      if (await extractArticle(page.tempPath, article, page.finalUrl, articleBounds)) {
        await fs.rm(page.tempPath, { force: true });
        tempPath = article;
      }
    }
    const size = (await fs.stat(tempPath)).size;
    try {
      await deps.admit?.(tempPath, size);
    } catch (err) {
      await fs.rm(tempPath, { force: true });
      throw err;
    }
    return { tempPath, originalName: nameFor(page, title), size };
  };

  const remember = (url: string, documentId: string): void => deps.sources.set({ kind: 'url', source: url, documentId, size: 0, mtimeMs: Date.now() });

  return {
    async add(url, opts) {
      // A full ingest queue refuses before anything is fetched (503 + Retry-After, as for uploads).
      deps.documents.assertAccepting?.();
      const file = await fetchPage(url);
      const [result] = await deps.documents.upload([file], opts);
      const r = result!;
      remember(url.trim(), r.id);
      return { id: r.id, name: r.name, status: r.status, url: url.trim(), duplicate: r.duplicate };
    },
    async refresh(documentId): Promise<RefreshResult> {
      const old = deps.documents.get(documentId);
      const url = deps.sources.urlOf(documentId);
      if (!old || url === undefined) throw new NotFoundError(`No web page with id "${documentId}": only documents added from a web address can be refreshed.`);
      const file = await fetchPage(url);
      const [result] = await deps.documents.upload([file], { collectionId: old.collections?.[0] });
      const r = result!;
      if (r.id === documentId) return { id: r.id, name: old.name, status: old.status, url, duplicate: true, unchanged: true };
      remember(url, r.id);
      await deps.documents.delete(documentId);
      return { id: r.id, name: r.name, status: r.status, url, duplicate: r.duplicate, unchanged: false, replaced: documentId };
    },
  };
}

/** The first 256 KB of a file (enough for its <title>). */
async function readHead(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
