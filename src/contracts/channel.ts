/**
 * Where a question came from, carried on the answer request and the `qa` event so analytics can
 * tell the ways Docent is used apart: `web` (Docent's own pages), `api` (POST /api/ask from a
 * program), `openai` (the OpenAI-compatible /v1 API), `mcp` (the MCP server). Optional everywhere:
 * requests and events from before it carry none and count as `web`.
 */
import { z } from 'zod';

export const CHANNELS = ['web', 'api', 'openai', 'mcp'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;
