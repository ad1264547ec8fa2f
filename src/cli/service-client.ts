/** A small client of Docent's JSON API for the command-line tools. */
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

export class ServiceClient {
  constructor(readonly baseUrl: string) {}

  private async call<T>(pathname: string, init?: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${pathname}`, init);
    } catch (err) {
      throw new Error(`cannot reach Docent at ${this.baseUrl} (${String(err)}); start it with \`npm start\` or set DOCENT_URL`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new Error(`${res.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }

  async upload(file: string): Promise<ApiDocument> {
    const form = new FormData();
    form.append('file', new Blob([await fs.readFile(file)]), path.basename(file));
    const body = await this.call<{ documents: ApiDocument[] }>('/api/documents', { method: 'POST', body: form });
    const doc = body.documents[0];
    if (!doc) throw new Error('the service accepted no document');
    return doc;
  }

  document(id: string): Promise<ApiDocument> {
    return this.call<ApiDocument>(`/api/documents/${encodeURIComponent(id)}`);
  }

  /** Asks the service to rebuild the index with its configured embedding model; the documents it re-indexes. */
  async reindex(): Promise<ApiDocument[]> {
    const body = await this.call<{ documents: ApiDocument[] }>('/api/index/reindex', { method: 'POST' });
    return body.documents;
  }

  search(q: string, k: number): Promise<{ results: Array<{ documentName: string; page: number | null; text: string; score: number }> }> {
    return this.call(`/api/search?q=${encodeURIComponent(q)}&k=${k}`);
  }
}
