/**
 * A LangChain retriever over a running Docent's index: each query is one `GET /api/search` to the
 * service, and each passage comes back as a LangChain `Document` carrying Docent's source metadata
 * (document, page, passage id, character offsets, heading path, score, similarity). Talking to the service
 * rather than opening the vectorstore directory means the index is always the one the service
 * answers from, with its embedding model, and nothing else has to load the models.
 */
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import { z } from 'zod';

/** The metadata of each retrieved passage. */
export interface DocentPassageMetadata {
  /** The document's name, under the key LangChain's loaders and formatters use. */
  source: string;
  documentId: string;
  documentName: string;
  /** 1-based page for paged formats (PDF), null otherwise. */
  page: number | null;
  /** The passage's id in the index; also the Document's `id`. */
  chunkId: string | null;
  /** Character offsets of the passage in its page's extracted text (whole text when unpaged). */
  start: number | null;
  end: number | null;
  /** Headings above the passage, outermost first, joined with " > "; null when none. */
  headingPath: string | null;
  /** The service's ranking score under its SEARCH_MODE (docs/using.md "Search modes"): fused 0-1 (hybrid), cosine (dense) or BM25 (lexical); higher is better. */
  score: number;
  /** Cosine similarity of the passage to the query; null when the service did not compute it (lexical mode, older services). */
  similarity: number | null;
}

export interface DocentRetrieverInput extends BaseRetrieverInput {
  /** Where Docent listens, e.g. http://127.0.0.1:3000 (a path prefix behind a proxy is kept). */
  url: string;
  /** Passages per query, 1 to 20 as the service allows. Default 4. */
  k?: number;
}

const searchResponseSchema = z.object({
  results: z.array(
    z.object({
      documentId: z.string(),
      documentName: z.string(),
      page: z.number().nullable(),
      text: z.string(),
      score: z.number(),
      // Absent from services older than this client.
      similarity: z.number().nullable().optional(),
      chunkId: z.string().optional(),
      start: z.number().optional(),
      end: z.number().optional(),
      headingPath: z.string().nullable().optional(),
    }),
  ),
});

export class DocentRetriever extends BaseRetriever<DocentPassageMetadata> {
  static override lc_name(): string {
    return 'DocentRetriever';
  }

  override lc_namespace = ['docent', 'retrievers'];
  readonly url: string;
  readonly k: number;

  constructor(fields: DocentRetrieverInput) {
    super(fields);
    this.url = fields.url.endsWith('/') ? fields.url : `${fields.url}/`;
    this.k = fields.k ?? 4;
  }

  override async _getRelevantDocuments(query: string): Promise<Document<DocentPassageMetadata>[]> {
    const target = new URL('api/search', this.url);
    target.searchParams.set('q', query);
    target.searchParams.set('k', String(this.k));
    let res: Response;
    try {
      res = await fetch(target, { headers: { accept: 'application/json' } });
    } catch (err) {
      throw new Error(`cannot reach Docent at ${this.url} (${String(err)}): is it running? (\`npm start\`)`, { cause: err });
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const said = (body as { error?: unknown } | undefined)?.error;
      throw new Error(`Docent's search answered ${res.status}: ${typeof said === 'string' ? said : res.statusText}`);
    }
    const parsed = searchResponseSchema.safeParse(body);
    if (!parsed.success) throw new Error(`Docent's search answered something unexpected from ${target.href}: ${parsed.error.message}`);
    return parsed.data.results.map(
      (r) =>
        new Document<DocentPassageMetadata>({
          ...(r.chunkId !== undefined ? { id: r.chunkId } : {}),
          pageContent: r.text,
          metadata: {
            source: r.documentName,
            documentId: r.documentId,
            documentName: r.documentName,
            page: r.page,
            chunkId: r.chunkId ?? null,
            start: r.start ?? null,
            end: r.end ?? null,
            headingPath: r.headingPath ?? null,
            score: r.score,
            similarity: r.similarity ?? null,
          },
        }),
    );
  }
}
