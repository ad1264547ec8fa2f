/**
 * Upload size limit: a request announcing more than MAX_UPLOAD_MB is answered 413 before its body
 * is read (a raw socket announces 200 MB and sends a few KB), and the message names the limit.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_UPLOAD_MB: '50' });
});
after(async () => {
  await srv.close();
});

void test('a 200 MB upload is refused with 413 after only a few KB were sent, naming the 50 MB limit', async () => {
  const { hostname, port } = new URL(srv.url);
  const boundary = 'docentboundary';
  const head =
    `POST /api/documents HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${200 * 1024 * 1024}\r\n\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
  const response = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head);
      socket.write(Buffer.alloc(4096, 0x41)); // a little of the announced body, then nothing more
    });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      received += d;
    });
    // The server closes the connection after answering instead of waiting for 200 MB.
    socket.on('close', () => resolve(received));
    socket.on('error', (err) => (received === '' ? reject(err) : resolve(received)));
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error(`no answer while the body was incomplete; received: ${received.slice(0, 200)}`));
    });
  });
  assert.match(response, /^HTTP\/1\.1 413 /);
  assert.match(response, /connection: close/i);
  assert.match(response, /too large: the limit is 50 MB per file/);
});

void test('a file just under the limit is not refused for its multipart envelope', async () => {
  const small = await startTestServer({ MAX_UPLOAD_MB: '1' });
  try {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(1024 * 1024 - 10, 0x61)]), 'exactly-under.txt');
    const res = await fetch(`${small.url}/api/documents`, { method: 'POST', body: form });
    assert.equal(res.status, 202);
    const over = new FormData();
    over.append('file', new Blob([Buffer.alloc(1024 * 1024 + 10, 0x61)]), 'just-over.txt');
    const refused = await fetch(`${small.url}/api/documents`, { method: 'POST', body: over });
    assert.equal(refused.status, 413);
    assert.match(((await refused.json()) as { error: string }).error, /1 MB/);
  } finally {
    await small.close();
  }
});
