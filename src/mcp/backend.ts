/**
 * What Docent's MCP server (./mcp-server.ts) needs from Docent: search, ask, list documents, read a
 * document's text. Two implementations: in the web process over its services (src/web/mcp/, for
 * POST /mcp) and over a running Docent's JSON API (./http-backend.ts, for `npm run mcp` on stdio),
 * so the tools are written once. Failures are thrown as Errors whose message a person (or an
 * agent) can act on; the server turns them into tool errors. A refusal that ends by itself (past
 * the question rate limit, a busy service) is a RetryLaterError, which also says when.
 */
import type { DocumentStatus } from '../contracts/ingest.ts';

/** Refused for now: the message says why and when to try again, as the web's 429 or 503 does. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    cause?: unknown,
  ) {
    super(message, { cause });
  }
}

/** A collection as tools show it. */
export interface McpCollectionRef {
  id: string;
  name: string;
}

export interface McpPassage {
  documentId: string;
  documentName: string;
  /** 1-based page for paged formats, null otherwise. */
  page: number | null;
  /** Where the passage lies in its format's unit: "page 4", "slide 3", "Sheet1, rows 12-40", `chapter "Storms"`; null when none. */
  location: string | null;
  /** Headings above the passage, outermost first, joined with " > "; null when none. */
  headingPath: string | null;
  collection: McpCollectionRef | null;
  score: number;
  text: string;
  chunkId: string;
}

/** A cited source of an answer: a passage with the number the answer cites it by ([n]). */
export interface McpSource extends McpPassage {
  n: number;
  /** The citation check (docs/api.md "Citations"): the answer cites it; it supports every sentence citing it (null: not cited). */
  cited?: boolean;
  supported?: boolean | null;
  /** For a cited source: the [start, end) range in `text` of the best supporting sentence, and its score. */
  support?: { start: number; end: number; score: number };
}

export interface McpAnswer {
  answerId: string;
  chatId: string;
  answer: string;
  sources: McpSource[];
}

/** Sampling settings in the names the MCP tools use; absent fields take Docent's defaults. */
export interface McpAskSettings {
  temperature?: number | undefined;
  top_k?: number | undefined;
  top_p?: number | undefined;
  max_tokens?: number | undefined;
  seed?: number | undefined;
  k?: number | undefined;
}

export interface McpDocument {
  id: string;
  name: string;
  status: DocumentStatus;
  mediaType: string | null;
  pages: number | null;
  chunks: number | null;
  collections: McpCollectionRef[];
  error: string | null;
}

export interface McpDocumentText {
  id: string;
  name: string;
  /** The extracted text, pages separated by a line "--- page n ---"; at most the maxChars asked for. */
  text: string;
  /** Characters of the whole extracted text. */
  totalChars: number;
  truncated: boolean;
}

export interface DocentBackend {
  /** Top k passages of the collections (ids or names; empty: all); an unknown collection is an error naming it. */
  search(input: { query: string; k: number; collections: string[] }, signal?: AbortSignal): Promise<McpPassage[]>;
  /**
   * The grounded answer with its sources. `signal` aborts the answer; `onProgress` hears how far
   * it got (sources found, tokens written).
   */
  ask(
    input: { question: string; collections: string[]; settings: McpAskSettings },
    signal?: AbortSignal,
    onProgress?: (message: string, tokens: number) => void,
  ): Promise<McpAnswer>;
  /** Every document (of `collection`, an id or name, when given), oldest first. */
  listDocuments(input: { collection?: string | undefined }): Promise<McpDocument[]>;
  /** The document's extracted text, cut at maxChars; an unknown or unready document is an error. */
  documentText(id: string, maxChars: number): Promise<McpDocumentText>;
}

/** Settings of the MCP tools in Docent's own names (src/contracts/settings.ts); left-out fields stay out. */
export function docentSettings(s: McpAskSettings): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (name: string, v: number | undefined): void => {
    if (v !== undefined) out[name] = v;
  };
  put('temperature', s.temperature);
  put('topK', s.top_k);
  put('topP', s.top_p);
  put('maxTokens', s.max_tokens);
  put('seed', s.seed);
  put('k', s.k);
  return out;
}
