/**
 * The CLI's service client waits and tries again when an upload is refused for now: 503 (the
 * ingest queue is full) and 429 (the upload rate limit), each with Retry-After; other refusals
 * are errors at once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { ServiceClient } from '../../src/cli/service-client.ts';

async function serve(replies: Array<{ status: number; retryAfter?: string }>): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = replies[Math.min(calls, replies.length - 1)]!;
      calls++;
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.retryAfter ? { 'retry-after': r.retryAfter } : {}) });
      res.end(JSON.stringify(r.status < 300 ? { documents: [{ id: 'd1', name: 'a.txt', status: 'queued', duplicate: false }] } : { error: `refused ${r.status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

void test('an upload refused with 429 or 503 and Retry-After is tried again; a 400 is an error at once', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-client-'));
  const file = path.join(dir, 'a.txt');
  await fs.writeFile(file, 'hello');
  const stderr = process.stderr.write.bind(process.stderr);
  const said: string[] = [];
  process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true));
  try {
    const busy = await serve([{ status: 429, retryAfter: '1' }, { status: 503, retryAfter: '1' }, { status: 202 }]);
    const doc = await new ServiceClient(busy.url).upload(file);
    assert.equal(doc.id, 'd1');
    assert.equal(busy.calls(), 3);
    assert.ok(said.some((l) => l.includes('429: refused 429') && l.includes('waiting 1 s')), said.join(''));
    await busy.close();

    const bad = await serve([{ status: 400 }, { status: 202 }]);
    await assert.rejects(new ServiceClient(bad.url).upload(file), /400: refused 400/);
    assert.equal(bad.calls(), 1);
    await bad.close();
  } finally {
    process.stderr.write = stderr;
    await fs.rm(dir, { recursive: true, force: true });
  }
});
