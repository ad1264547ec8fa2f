/**
 * Small helpers for tests that run the web app in-process: listen on a free loopback port (closing
 * it also drops keep-alive sockets, or `server.close()` would wait on them) and upload a text file
 * the way the Documents page does.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Serves `app` on 127.0.0.1 and a free port; `close()` stops it. */
export async function listen(app: express.Application): Promise<{ base: string; close: () => Promise<void> }> {
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

/** POSTs `text` (or bytes) as a file named `name` to /api/documents; expects 202 and returns the document. */
export async function uploadText(base: string, text: string | Uint8Array, name: string): Promise<{ id: string; duplicate: boolean }> {
  const form = new FormData();
  form.append('file', new Blob([typeof text === 'string' ? text : Uint8Array.from(text)]), name);
  const res = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { documents: Array<{ id: string; duplicate: boolean }> }).documents[0]!;
}
