/**
 * The web server of the "Add a web page" tests: plain HTTP on 127.0.0.1 at a free port, serving what
 * the test's handler answers. Registered on the test file (or describe block) it is called in:
 * started before its tests, closed after them with any connection still open.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';

/** Serves `handler` for the tests; read `base` (e.g. `http://127.0.0.1:41234`) inside them. */
export function webPageServer(handler: http.RequestListener): { readonly base: string } {
  let server: http.Server | undefined;
  let base: string | undefined;
  before(async () => {
    const s = http.createServer(handler);
    server = s;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  });
  after(async () => {
    const s = server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  });
  return {
    get base() {
      if (base === undefined) throw new Error('the web page server starts before the tests: read `base` inside a test');
      return base;
    },
  };
}
