/**
 * Entrypoint: `npm run mcp`, Docent's MCP server on stdio for desktop agents. It serves the same
 * tools and resources as POST /mcp by calling a running Docent over HTTP (DOCENT_URL, default
 * http://127.0.0.1:PORT). stdout carries the protocol alone; logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createRootLogger } from '../log.ts';
import { createHttpBackend } from '../mcp/http-backend.ts';
import { createDocentMcpServer } from '../mcp/mcp-server.ts';
import { configOrExit } from './config-or-exit.ts';

const config = configOrExit();
const log = createRootLogger(config.log.level, 'mcp', true);
const server = createDocentMcpServer(createHttpBackend(config.cli.serviceUrl, config.cli.token));
const transport = new StdioServerTransport();
await server.connect(transport);
// The agent closed our stdin: it is done with us.
process.stdin.once('end', () => {
  void server.close().finally(() => process.exit(0));
});
log.info({ docent: config.cli.serviceUrl }, 'MCP server on stdio, serving Docent');
