/**
 * The MCP SDK's own clients for tests: over Streamable HTTP to a Docent's POST /mcp, and over stdio
 * to `src/bin/mcp.ts` spawned as a child process against a Docent at `docentUrl`.
 */
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `headers`: sent with every request (e.g. an API token's Authorization). */
export async function connectHttp(docentUrl: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'docent-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${docentUrl}/mcp`), headers ? { requestInit: { headers } } : undefined));
  return client;
}

/** Spawns `npm run mcp`'s entrypoint; its stderr (the logs) is kept in `stderr` for failure messages. */
export async function connectStdio(docentUrl: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', path.join(ROOT, 'src/bin/mcp.ts')],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), DOCENT_URL: docentUrl, LOG_LEVEL: 'info' },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const client = new Client({ name: 'docent-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

export async function callTool(client: Client, name: string, args: Record<string, unknown>, opts?: { signal?: AbortSignal; onprogress?: (p: { progress: number; message?: string }) => void }): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, opts)) as CallToolResult;
}

export const textOf = (r: CallToolResult): string => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
