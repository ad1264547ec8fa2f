/** Starts an HTTP server for an Express app and registers its graceful close. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { Logger } from '../log.ts';
import type { Closer } from './closer.ts';

export async function listen(app: express.Application, host: string, port: number, closer: Closer, log: Logger): Promise<http.Server> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info({ url: `http://${host}:${addr.port}` }, 'listening');
  closer.add('http server', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Streams still open after the others closed are cut; their clients see the error event.
    const force = setTimeout(() => server.closeAllConnections(), 2000);
    await closed;
    clearTimeout(force);
  });
  return server;
}
