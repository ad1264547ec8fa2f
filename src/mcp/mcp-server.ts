/**
 * Docent as a Model Context Protocol server: the tools `search_documents`, `ask` and
 * `list_documents`, and every ready document as a resource `docent://documents/{id}` (its
 * extracted text). Built over a DocentBackend (./backend.ts), so the same server runs inside the
 * web (POST /mcp) and on stdio against a running Docent (`npm run mcp`).
 *
 * Tool results carry the data twice, as MCP asks of tools without an output schema: as
 * `structuredContent` and as its JSON in a text block. Bad input (out of range, unknown
 * collection, busy service) comes back as a tool error (`isError: true`) with the message.
 *
 * A question past the rate limit (RATE_LIMIT_ASK_*) or to a busy service is a tool error too, not
 * an HTTP 429: its text is the web's message ("Too many questions: at most N per minute for your
 * account. Try again in S seconds."), and `structuredContent` holds it with `retryAfterSeconds`.
 * Why not 429 + Retry-After on POST /mcp: the MCP clients (the SDK's Streamable HTTP transport
 * among them) turn any HTTP error into a transport failure ("Error POSTing to endpoint (HTTP
 * 429)"), ignore Retry-After, and show it as the server failing, while a tool error reaches the
 * person and the model as the tool's answer, which they can act on. And the limit is counted inside
 * the call, after the JSON-RPC message was read (one POST may carry several).
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DOCUMENT_STATUSES } from '../contracts/ingest.ts';
import { SETTING_RANGES } from '../contracts/settings.ts';
import { RetryLaterError, type DocentBackend } from './backend.ts';

/** Documents list_documents and the resource list return at most. */
export const MAX_LISTED_DOCUMENTS = 100;
/** Characters of a document's text one resource read returns at most. */
export const MAX_RESOURCE_CHARS = 200_000;
export const DOCUMENT_URI_PREFIX = 'docent://documents/';

const ranged = (name: keyof typeof SETTING_RANGES, label: string, integer: boolean) => {
  const r = SETTING_RANGES[name];
  const n = integer ? z.number().int(`${label} must be a whole number`) : z.number();
  const range = `${label} must be between ${r.min} and ${r.max}`;
  return n.min(r.min, range).max(r.max, range).optional().describe(`${r.help} ${r.min}..${r.max}, default ${r.default}.`);
};

const collectionsField = z
  .array(z.string().min(1).max(200))
  .max(100, 'at most 100 collections')
  .optional()
  .describe('Collections to look in, by id or name; leave out for all of them.');

function result(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data, null, 2) }], structuredContent: data };
}

/** A refusal for now as a tool error: the message as text, and when to try again for programs. */
function retryLater(err: RetryLaterError): CallToolResult {
  return { content: [{ type: 'text', text: err.message }], structuredContent: { error: err.message, retryAfterSeconds: err.retryAfterSeconds }, isError: true };
}

/** The version the server reports (package.json's). */
export const MCP_SERVER_VERSION = '0.1.0';

export interface McpServerOptions {
  /** Called with the request's own signal; default: that signal alone. */
  signalFor?: (toolSignal: AbortSignal) => AbortSignal;
}

export function createDocentMcpServer(backend: DocentBackend, opts: McpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: 'docent', version: MCP_SERVER_VERSION },
    { instructions: "Docent answers questions from the user's own documents, with citations. Use search_documents to find passages, ask for a grounded answer, list_documents to see what is there; documents are also resources docent://documents/{id}." },
  );
  const signalFor = opts.signalFor ?? ((s: AbortSignal) => s);

  server.registerTool(
    'search_documents',
    {
      title: 'Search documents',
      description: 'Finds the passages of the uploaded documents closest in meaning to a query, best first, with their document, page, heading path, collection and similarity score.',
      inputSchema: {
        query: z.string().trim().min(1, 'query is empty: give the text to search for').max(10_000, 'query is too long (at most 10000 characters)').describe('What to look for.'),
        k: z.number().int('k must be a whole number').min(1, 'k must be between 1 and 20').max(20, 'k must be between 1 and 20').optional().describe('How many passages, 1..20 (default 4).'),
        collections: collectionsField,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, k, collections }, extra) => {
      const passages = await backend.search({ query, k: k ?? SETTING_RANGES.k.default, collections: collections ?? [] }, signalFor(extra.signal));
      return result({ passages });
    },
  );

  server.registerTool(
    'ask',
    {
      title: 'Ask Docent',
      description: "Answers a question from the uploaded documents, citing them as [n]; returns the answer and its numbered sources. Takes seconds to minutes (the model runs on the Docent server's CPU).",
      inputSchema: {
        question: z.string().trim().min(1, 'question is empty: type the question').describe('The question.'),
        collections: collectionsField,
        settings: z
          .object({
            temperature: ranged('temperature', 'temperature', false),
            top_k: ranged('topK', 'top_k', true),
            top_p: ranged('topP', 'top_p', false),
            max_tokens: ranged('maxTokens', 'max_tokens', true),
            seed: z.number().int('seed must be a whole number').min(0, 'seed must be between 0 and 4294967295').max(2 ** 32 - 1, 'seed must be between 0 and 4294967295').optional().describe('Fixes the sampling for a repeatable answer.'),
            k: ranged('k', 'k', true),
          })
          .strict()
          .optional()
          .describe('Sampling and retrieval settings; leave out for the defaults.'),
      },
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    async ({ question, collections, settings }, extra) => {
      const token = extra._meta?.progressToken;
      // Progress keeps a client's request timeout from running out while the model writes. Sent in
      // order, and all of it before the result (a client drops progress that follows its result).
      let sent = Promise.resolve();
      const onProgress = token === undefined
        ? undefined
        : (message: string, progress: number): void => {
          sent = sent.then(() => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } })).catch(() => undefined);
        };
      try {
        const answer = await backend.ask({ question, collections: collections ?? [], settings: settings ?? {} }, signalFor(extra.signal), onProgress);
        await sent;
        return result({ ...answer });
      } catch (err) {
        if (err instanceof RetryLaterError) return retryLater(err);
        throw err;
      }
    },
  );

  server.registerTool(
    'list_documents',
    {
      title: 'List documents',
      description: `Lists the documents in Docent (first ${MAX_LISTED_DOCUMENTS}, oldest first), optionally of one collection and/or one status, with their id, status, pages, passages (chunks) and collections.`,
      inputSchema: {
        collection: z.string().min(1).max(200).optional().describe('Only documents of this collection (id or name).'),
        status: z.enum(DOCUMENT_STATUSES).optional().describe('Only documents with this status; "ready" ones can be searched.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ collection, status }) => {
      const all = (await backend.listDocuments({ collection })).filter((d) => status === undefined || d.status === status);
      const documents = all.slice(0, MAX_LISTED_DOCUMENTS);
      const note = all.length > documents.length ? { note: `Showing the first ${documents.length} of ${all.length} documents; narrow the list with collection or status.` } : {};
      return result({ total: all.length, documents, ...note });
    },
  );

  server.registerResource(
    'document',
    new ResourceTemplate(`${DOCUMENT_URI_PREFIX}{id}`, {
      list: async () => {
        const ready = (await backend.listDocuments({})).filter((d) => d.status === 'ready').slice(0, MAX_LISTED_DOCUMENTS);
        return {
          resources: ready.map((d) => ({
            uri: DOCUMENT_URI_PREFIX + encodeURIComponent(d.id),
            name: d.name,
            mimeType: 'text/plain',
            description: `The extracted text of ${d.name}${d.pages === null ? '' : ` (${d.pages} pages)`}.`,
          })),
        };
      },
    }),
    { title: 'Document text', description: `A document's extracted text (at most ${MAX_RESOURCE_CHARS} characters).`, mimeType: 'text/plain' },
    async (uri, variables) => {
      const raw = variables.id;
      const id = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
      const doc = await backend.documentText(id, MAX_RESOURCE_CHARS);
      const cut = doc.truncated ? `\n\n[Cut at ${MAX_RESOURCE_CHARS} of ${doc.totalChars} characters; search_documents finds passages further on.]` : '';
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: doc.text + cut }] };
    },
  );
  return server;
}
