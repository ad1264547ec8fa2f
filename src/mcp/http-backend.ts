/**
 * The MCP tools' backend over a running Docent's JSON API (`npm run mcp`, the stdio server):
 * GET /api/search, POST /api/ask (streamed, so progress reaches the client while the model
 * writes; aborting closes the request, which aborts the answer), GET /api/documents and
 * /api/collections, GET /api/documents/:id/text. The service's own error messages are passed on
 * ("404: No collection named …").
 */
import { BusyError, ServiceClient } from '../cli/service-client.ts';
import { placeOf } from '../contracts/location.ts';
import { citationCheck, type Source } from '../contracts/source.ts';
import type { DocumentView } from '../ports/document-service.ts';
import { docentSettings, RetryLaterError, type DocentBackend, type McpAnswer, type McpDocumentText, type McpSource } from './backend.ts';

interface ApiHit {
  documentId: string;
  documentName: string;
  page: number | null;
  text: string;
  score: number;
  chunkId: string;
  /** Absent from servers older than locations. */
  location?: string | null;
  headingPath: string | null;
  collection: { id: string; name: string } | null;
}

const fromSource = (s: Source): McpSource => ({
  n: s.n,
  documentId: s.documentId,
  documentName: s.documentName,
  page: s.page,
  location: placeOf(s).location,
  headingPath: s.headingPath ?? null,
  collection: s.collectionId === undefined ? null : { id: s.collectionId, name: s.collectionName ?? s.collectionId },
  score: s.score,
  text: s.text,
  chunkId: s.chunkId,
  ...citationCheck(s),
});

/** Server-Sent Events of a response body, one {event, data} per block. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    // Leaving early (an error event, the caller gave up) closes the request.
    await reader.cancel().catch(() => undefined);
  }
}

/** `token`: DOCENT_TOKEN, sent as a bearer token when the service requires sign-in. */
export function createHttpBackend(baseUrl: string, token?: string): DocentBackend {
  const api = new ServiceClient(baseUrl, token);
  const collectionsQuery = (names: readonly string[]): string => names.map((n) => `&collections=${encodeURIComponent(n)}`).join('');

  return {
    async search({ query, k, collections }, signal) {
      const { results } = await api.call<{ results: ApiHit[] }>(`/api/search?q=${encodeURIComponent(query)}&k=${k}${collectionsQuery(collections)}`, { signal: signal ?? null });
      return results.map(({ documentId, documentName, page, location, headingPath, collection, score, text, chunkId }) => ({ documentId, documentName, page, location: placeOf({ page, location }).location, headingPath, collection, score, text, chunkId }));
    },

    async ask({ question, collections, settings }, signal, onProgress) {
      const res = await api.open('/api/ask', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ question, collections, settings: docentSettings(settings) }),
        signal: signal ?? null,
      }).catch((err: unknown) => {
        // Past the question rate limit (429, its message says the wait) or busy (503): as POST /mcp says it.
        if (err instanceof BusyError) throw new RetryLaterError(err.status === 429 ? err.detail : `${err.detail} (try again in ${err.retryAfterSeconds} s)`, err.retryAfterSeconds, err);
        throw err;
      });
      if (!res.body) throw new Error('Docent sent an empty reply to the question.');
      let tokens = 0;
      for await (const { event, data } of sseEvents(res.body)) {
        if (event === 'sources') onProgress?.(`found ${(JSON.parse(data) as unknown[]).length} passages`, 0);
        else if (event === 'restart') tokens = 0;
        else if (event === 'token') onProgress?.('writing the answer', ++tokens);
        else if (event === 'error') throw new Error((JSON.parse(data) as { error: string }).error);
        else if (event === 'done') {
          const d = JSON.parse(data) as { answerId: string; chatId: string; answer: string; sources: Source[] };
          const answer: McpAnswer = { answerId: d.answerId, chatId: d.chatId, answer: d.answer, sources: d.sources.map(fromSource) };
          return answer;
        }
      }
      throw new Error('The answer stopped before it was complete. Please ask again.');
    },

    async listDocuments({ collection }) {
      const [{ documents }, { collections }] = await Promise.all([
        api.call<{ documents: DocumentView[] }>('/api/documents'),
        api.call<{ collections: Array<{ id: string; name: string }> }>('/api/collections'),
      ]);
      const only = collection === undefined ? undefined : (await api.call<{ id: string }>(`/api/collections/${encodeURIComponent(collection)}`)).id;
      const names = new Map(collections.map((c) => [c.id, c.name]));
      return documents
        .filter((d) => only === undefined || (d.collections ?? []).includes(only))
        .map((d) => ({
          id: d.id,
          name: d.name,
          status: d.status,
          mediaType: d.mediaType,
          pages: d.pages,
          chunks: d.chunks,
          collections: (d.collections ?? []).map((id) => ({ id, name: names.get(id) ?? id })),
          error: d.error,
        }));
    },

    documentText(id, maxChars) {
      return api.call<McpDocumentText>(`/api/documents/${encodeURIComponent(id)}/text?maxChars=${maxChars}`);
    },
  };
}
