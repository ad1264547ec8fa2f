/**
 * Starts an HTTP server for an Express app and registers its graceful close; with TLS files
 * (TLS_CERT / TLS_KEY) it is an HTTPS server instead, so Express sees `req.secure` and the session
 * cookie and HSTS follow.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { ConfigError } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Closer } from './closer.ts';

/** PEM files to serve HTTPS with (paths), and their contents once read. */
export interface TlsFiles {
  cert: string;
  key: string;
}
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** Reads the certificate and key; an unreadable or invalid one is a ConfigError naming its variable. */
export async function loadTls(files: TlsFiles): Promise<TlsPair> {
  const read = async (variable: string, file: string): Promise<Buffer> => {
    try {
      return await fs.readFile(file);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  ${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  const pair = { cert: await read('TLS_CERT', files.cert), key: await read('TLS_KEY', files.key) };
  try {
    // Fails here, at start-up, on a malformed file or a key that does not match the certificate.
    https.createServer(pair).close();
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  TLS_CERT, TLS_KEY: ${files.cert} and ${files.key} are not a usable PEM certificate and matching key (${(err as Error).message})`);
  }
  return pair;
}

/** Serves `app` on host:port (HTTPS with `tls`, from {@link loadTls}); closing is registered on `closer`. */
export async function listen(app: express.Application, host: string, port: number, closer: Closer, log: Logger, tls?: TlsPair): Promise<http.Server> {
  const server = tls ? https.createServer(tls, app) : http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info({ url: `${tls ? 'https' : 'http'}://${host}:${addr.port}` }, 'listening');
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
