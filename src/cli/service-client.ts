/** A small client of Docent's JSON API for the command-line tools and the stdio MCP server. */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface ApiDocument {
  id: string;
  name: string;
  status: 'queued' | 'processing' | 'ready' | 'failed' | 'deleting';
  duplicate?: boolean;
  progress?: number;
  stage?: string;
  error?: string | null;
  pages?: number | null;
  chunks?: number | null;
  /** What the stage counts (pages read, chunks embedded) so far, out of `total`. */
  done?: number | null;
  total?: number | null;
}

/** The service is busy (503) or past a rate limit (429) and said when to try again; `detail` is its own message. */
export class BusyError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${status}: ${detail}`);
  }
}

export class ServiceClient {
  /** `token`: a personal API token (DOCENT_TOKEN), sent as `Authorization: Bearer` when sign-in is on. */
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /**
   * Sends the request; the response when it is 2xx, else an Error "status: message" with the
   * service's own message (BusyError for 503 or 429 with Retry-After). An abort `signal` rejects as fetch does.
   */
  async open(pathname: string, init?: RequestInit): Promise<Response> {
    let res: Response;
    try {
      const headers = new Headers(init?.headers);
      if (this.token !== undefined) headers.set('Authorization', `Bearer ${this.token}`);
      res = await fetch(`${this.baseUrl}${pathname}`, { ...init, headers });
    } catch (err) {
      if (init?.signal?.aborted) throw err;
      throw new Error(`cannot reach Docent at ${this.baseUrl} (${String(err)}); start it with \`npm start\` or set DOCENT_URL`, { cause: err });
    }
    if (res.ok) return res;
    const text = await res.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: keep the text
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    // 503: the ingest queue is full; 429: past a rate limit (docs/operations.md "Rate limits"). Both say when to come back.
    if ((res.status === 503 || res.status === 429) && retryAfter > 0) throw new BusyError(res.status, message, retryAfter);
    if (res.status === 401) throw new Error(`${res.status}: ${message}${this.token === undefined ? ' (set DOCENT_TOKEN to a personal API token)' : ''}`);
    throw new Error(`${res.status}: ${message}`);
  }

  /** The JSON reply of a 2xx response; see open() for errors. */
  async call<T>(pathname: string, init?: RequestInit): Promise<T> {
    return (await (await this.open(pathname, init)).json()) as T;
  }

  /**
   * Uploads one file (into `collection`, an id or name, when given). While the service's ingest queue is full (503, MAX_PENDING_DOCUMENTS)
   * or the upload rate limit is reached (429, RATE_LIMIT_UPLOADS_PER_HOUR), it waits as long as Retry-After says (saying so on
   * stderr) and tries again, for up to about an hour.
   */
  async upload(file: string, collection?: string): Promise<ApiDocument> {
    const query = collection === undefined ? '' : `?collection=${encodeURIComponent(collection)}`;
    const form = new FormData();
    form.append('file', new Blob([await fs.readFile(file)]), path.basename(file));
    let body: { documents: ApiDocument[] } | undefined;
    for (let waited = 0; body === undefined; ) {
      try {
        body = await this.call<{ documents: ApiDocument[] }>(`/api/documents${query}`, { method: 'POST', body: form });
      } catch (err) {
        const retryAfter = err instanceof BusyError ? err.retryAfterSeconds : undefined;
        if (retryAfter === undefined || waited > 3600) throw err;
        process.stderr.write(`${path.basename(file)}: ${(err as Error).message}; waiting ${retryAfter} s\n`);
        await new Promise((r) => setTimeout(r, retryAfter * 1000));
        waited += retryAfter;
      }
    }
    const doc = body.documents[0];
    if (!doc) throw new Error('the service accepted no document');
    return doc;
  }

  /** The collection by id or name; an unknown one is an Error "404: No collection …". */
  collection(idOrName: string): Promise<{ id: string; name: string; documents: number }> {
    return this.call(`/api/collections/${encodeURIComponent(idOrName)}`);
  }

  document(id: string): Promise<ApiDocument> {
    return this.call<ApiDocument>(`/api/documents/${encodeURIComponent(id)}`);
  }

  /**
   * Asks the service to rebuild the index with its configured embedding model (only `collection`'s,
   * an id or name, when given; an unknown one is an Error "404: No collection …"); the documents it re-indexes.
   */
  async reindex(collection?: string): Promise<ApiDocument[]> {
    const where = collection === undefined ? '/api/index/reindex' : `/api/collections/${encodeURIComponent(collection)}/reindex`;
    const body = await this.call<{ documents: ApiDocument[] }>(where, { method: 'POST' });
    return body.documents;
  }

  search(q: string, k: number): Promise<{ results: Array<{ documentName: string; page: number | null; text: string; score: number }> }> {
    return this.call(`/api/search?q=${encodeURIComponent(q)}&k=${k}`);
  }
}
