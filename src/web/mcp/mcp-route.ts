/**
 * POST /mcp: Docent's MCP server (src/mcp/mcp-server.ts) over Streamable HTTP, stateless: every
 * request gets a new server and transport, so any web process can answer any request and nothing
 * is kept between them (no Mcp-Session-Id). Responses to requests are streamed as Server-Sent
 * Events (progress notifications while an answer is written, then the result). GET and DELETE
 * (the server-to-client stream and session end of stateful servers) are 405.
 *
 * Guards: the app's host guard (421 for a foreign Host, against DNS rebinding) and cross-site guard
 * run first: MCP clients are programs and send neither Origin nor cookies; a browser page on
 * another site is refused.
 *
 * Cancelling: a client that cancels a tool call sends `notifications/cancelled` in a new POST,
 * which a stateless server would not connect to the call. So calls in flight are kept here by
 * client (remote address) and JSON-RPC id, and a cancellation from the same client aborts the
 * matching call, as closing the connection does. Behind several web processes a cancellation that
 * reaches another process is not seen; the answer then ends by itself (max tokens, ANSWER_TIMEOUT_MS).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Router, type Request, type Response } from 'express';
import type { Logger } from '../../log.ts';
import { createDocentMcpServer } from '../../mcp/mcp-server.ts';
import { clientOf, type PerClientLimit } from '../client-limits.ts';
import type { WebRateLimits } from '../rate-limits.ts';
import type { WebServices } from '../services.ts';
import { createLocalBackend } from './local-backend.ts';

export interface McpRouteOptions {
  services: WebServices;
  logger: Logger;
  maxQuestionChars: number;
  /** Questions in flight per client, shared with POST /api/ask. */
  questions: PerClientLimit;
  maxQuestions: number;
  /** Questions per minute per user and address, shared with the other ways of asking. */
  rates?: WebRateLimits | undefined;
}

type JsonRpcId = string | number;
interface JsonRpcLike {
  method?: unknown;
  id?: unknown;
  params?: { requestId?: unknown };
}

const isId = (v: unknown): v is JsonRpcId => typeof v === 'string' || typeof v === 'number';
const keyOf = (client: string, id: JsonRpcId): string => `${client}\n${typeof id}:${String(id)}`;

function messagesOf(body: unknown): JsonRpcLike[] {
  const list = Array.isArray(body) ? (body as unknown[]) : [body];
  return list.filter((m): m is JsonRpcLike => typeof m === 'object' && m !== null);
}

export function mcpRoute(opts: McpRouteOptions): Router {
  const router = Router();
  const log = opts.logger.child({ component: 'mcp' });
  /** Requests being answered, by client and JSON-RPC id. */
  const inFlight = new Map<string, AbortController>();

  router.post('/mcp', async (req: Request, res: Response) => {
    const client = clientOf(req);
    const messages = messagesOf(req.body);
    for (const m of messages) {
      const target = m.method === 'notifications/cancelled' && isId(m.params?.requestId) ? inFlight.get(keyOf(client, m.params.requestId)) : undefined;
      if (target) {
        log.debug({ client, requestId: m.params?.requestId }, 'tool call cancelled by the client');
        target.abort(new Error('cancelled by the client'));
      }
    }
    const abort = new AbortController();
    const keys = messages.filter((m) => typeof m.method === 'string' && isId(m.id)).map((m) => keyOf(client, m.id as JsonRpcId));
    for (const k of keys) inFlight.set(k, abort);

    const backend = createLocalBackend({ services: opts.services, maxQuestionChars: opts.maxQuestionChars, questions: opts.questions, maxQuestions: opts.maxQuestions, client, rates: opts.rates });
    const server = createDocentMcpServer(backend, { signalFor: (s) => AbortSignal.any([s, abort.signal]) });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client disconnected'));
      for (const k of keys) if (inFlight.get(k) === abort) inFlight.delete(k);
      transport.close().catch((err: unknown) => log.warn({ err }, 'closing an MCP transport failed'));
      server.close().catch((err: unknown) => log.warn({ err }, 'closing an MCP server failed'));
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  const notAllowed = (_req: Request, res: Response): void => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Docent runs a stateless MCP server: send requests with POST /mcp (no session stream).' }, id: null });
  };
  router.get('/mcp', notAllowed);
  router.delete('/mcp', notAllowed);
  return router;
}
