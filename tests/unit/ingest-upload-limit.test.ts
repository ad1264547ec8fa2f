/**
 * Upload limits as clients see them. MAX_UPLOAD_MB bounds each file and each request, for sized
 * and chunked bodies alike; a refusal is answered at once and the rest of the body is drained, so
 * Node's fetch (run in its own process, as a script would: in one process the race that tears the
 * connection down does not show) and curl both receive the 413 and its message. Also: the file
 * count (400), MAX_STORAGE_MB (507, nothing kept), the drain bound, and a client breaking off.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { DRAIN_MAX_BYTES } from '../../src/web/body-drain.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const MB = 1024 * 1024;
const LIMIT_MESSAGE = /too large: the limit is 50 MB per file and per upload/;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_UPLOAD_MB: '50' });
});
after(async () => {
  await srv.close();
});

const run = (cmd: string, args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });

/** A script that uploads with Node's fetch from its own process and prints `status body` or the failure. */
const FETCH_CLIENT = `
const [url, mode, mb, files] = process.argv.slice(1);
let init;
if (mode === 'sized') {
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(Number(mb) * 1048576, 0x61)]), 'big.txt');
  init = { method: 'POST', body: form };
} else {
  // Chunked: no Content-Length; files of mb MB each, made from one reused 1 MB buffer.
  const chunk = Buffer.alloc(1048576, 0x62), b = 'docentboundary', enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream({ pull(c) {
    const file = Math.floor(i / Number(mb)), at = i % Number(mb);
    if (file === Number(files)) { c.enqueue(enc.encode('\\r\\n--' + b + '--\\r\\n')); c.close(); return; }
    if (at === 0) c.enqueue(enc.encode((file ? '\\r\\n' : '') + '--' + b + '\\r\\nContent-Disposition: form-data; name="file"; filename="f' + file + '.txt"\\r\\nContent-Type: text/plain\\r\\n\\r\\n'));
    c.enqueue(chunk); i++;
  } });
  init = { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'multipart/form-data; boundary=' + b } };
}
fetch(url + '/api/documents', init).then(async (r) => console.log(r.status, await r.text()), (e) => console.log('FAILED', String(e), String(e.cause)));
`;

async function tempUploads(dir: string): Promise<string[]> {
  return (await fs.readdir(path.join(dir, 'tmp')).catch(() => [])).filter((n) => n.startsWith('upload-'));
}

void test('a 200 MB upload is answered 413 naming the 50 MB limit while only a few KB were sent', async () => {
  const { hostname, port } = new URL(srv.url);
  const boundary = 'docentboundary';
  const head =
    `POST /api/documents HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${200 * MB}\r\n\r\n` +
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
      if (received.endsWith('}')) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.setTimeout(20_000, () => {
      socket.destroy();
      reject(new Error(`no answer while the body was incomplete; received: ${received.slice(0, 200)}`));
    });
  });
  assert.match(response, /^HTTP\/1\.1 413 /);
  assert.match(response, LIMIT_MESSAGE);
});

void test("Node's fetch with a sized body over the limit receives the 413 and its message", async () => {
  const out = await run(process.execPath, ['-e', FETCH_CLIENT, srv.url, 'sized', '60']);
  assert.match(out, /^413 /, out);
  assert.match(out, LIMIT_MESSAGE);
});

void test("Node's fetch with a chunked body of 3 x 40 MB is refused at the request limit, without holding the body", async () => {
  const rssBefore = process.memoryUsage().rss;
  const out = await run(process.execPath, ['-e', FETCH_CLIENT, srv.url, 'chunked', '40', '3']);
  const grown = process.memoryUsage().rss - rssBefore;
  assert.match(out, /^413 /, out);
  assert.match(out, LIMIT_MESSAGE);
  assert.ok(grown < 60 * MB, `the server's memory grew by ${Math.round(grown / MB)} MB for a 120 MB body`);
  assert.equal(srv.services.uploads.length, 0, 'nothing reached the document service');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(await tempUploads(srv.dataDir), [], 'nothing of the refused upload is kept');
});

void test('curl with a file over the limit receives the 413 and its message', async () => {
  const big = path.join(srv.dataDir, 'big.txt');
  await fs.writeFile(big, Buffer.alloc(60 * MB, 0x61));
  try {
    const out = await run('curl', ['-s', '-o', '-', '-w', '%{http_code}', '-F', `file=@${big}`, `${srv.url}/api/documents`]);
    assert.match(out, /413$/);
    assert.match(out, LIMIT_MESSAGE);
  } finally {
    await fs.rm(big, { force: true });
  }
});

void test('a file just under the limit is not refused for its multipart envelope', async () => {
  const small = await startTestServer({ MAX_UPLOAD_MB: '1' });
  try {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(MB - 10, 0x61)]), 'exactly-under.txt');
    const res = await fetch(`${small.url}/api/documents`, { method: 'POST', body: form });
    assert.equal(res.status, 202);
    const over = new FormData();
    over.append('file', new Blob([Buffer.alloc(MB + 10, 0x61)]), 'just-over.txt');
    const refused = await fetch(`${small.url}/api/documents`, { method: 'POST', body: over });
    assert.equal(refused.status, 413);
    assert.match(((await refused.json()) as { error: string }).error, /1 MB/);
  } finally {
    await small.close();
  }
});

void test('more than 20 files in one upload is a 400 naming the limit', async () => {
  const form = new FormData();
  for (let i = 0; i < 21; i++) form.append('file', new Blob([`note ${i}`]), `note-${i}.txt`);
  const res = await fetch(`${srv.url}/api/documents`, { method: 'POST', body: form });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: string }).error, 'Too many files in one upload: at most 20 per request.');
});

void test('an upload past MAX_STORAGE_MB is refused with 507 naming the setting and the use, and nothing of it is kept', async () => {
  const full = await startTestServer({ MAX_STORAGE_MB: '2' });
  try {
    await fs.mkdir(full.config.paths.uploads, { recursive: true });
    await fs.writeFile(path.join(full.config.paths.uploads, 'a'.repeat(64)), Buffer.alloc(Math.round(1.6 * MB)));
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(MB / 2, 0x61)]), 'half.txt');
    const res = await fetch(`${full.url}/api/documents`, { method: 'POST', body: form });
    assert.equal(res.status, 507);
    assert.equal(((await res.json()) as { error: string }).error, "Docent's storage is full (2 MB of MAX_STORAGE_MB=2): delete documents or raise the limit.");
    // Chunked, so it is caught while arriving rather than from its announced length.
    const encoded = new Response(form);
    const chunked = await fetch(`${full.url}/api/documents`, {
      method: 'POST',
      body: encoded.body,
      duplex: 'half',
      headers: { 'content-type': encoded.headers.get('content-type')! },
    } as RequestInit);
    assert.equal(chunked.status, 507);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await tempUploads(full.dataDir), []);
    const small = new FormData();
    small.append('file', new Blob([Buffer.alloc(100 * 1024, 0x61)]), 'small.txt');
    assert.equal((await fetch(`${full.url}/api/documents`, { method: 'POST', body: small })).status, 202, 'what fits is taken');
  } finally {
    await full.close();
  }
});

for (const host of ['127.0.0.1', 'attacker.example']) void test(`a client that keeps sending after the refusal is cut off once the drain bound is read (Host: ${host})`, async () => {
  const { hostname, port } = new URL(srv.url);
  const head = `POST /api/documents HTTP/1.1\r\nHost: ${host}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${1024 * MB}\r\n\r\n`;
  const sent = await new Promise<number>((resolve) => {
    let total = 0;
    const chunk = Buffer.alloc(MB, 0x41);
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head);
      const pump = (): void => {
        while (!socket.destroyed && total < 1024 * MB) {
          total += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(total));
  });
  assert.ok(sent < DRAIN_MAX_BYTES + 64 * MB, `the server read ${Math.round(sent / MB)} MB of a 1 GB body before closing`);
});

void test('an upload broken off mid-body is logged at info without a stack', async () => {
  const lines: Array<{ level: number; msg: string; err?: unknown }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      cb();
    },
  });
  const logged = await startTestServer({}, new FakeServices(), pino({ level: 'debug' }, sink));
  try {
    const { hostname, port } = new URL(logged.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n`);
        socket.write('--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello', () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 300));
    const failed = lines.filter((l) => l.level >= 50);
    assert.deepEqual(failed, [], 'nothing logged as an error');
    const info = lines.find((l) => l.level === 30 && /went away/.test(l.msg));
    assert.ok(info, `an info line; got ${JSON.stringify(lines)}`);
    assert.equal(info.err, undefined, 'no error object (stack) on the line');
    assert.deepEqual(await tempUploads(logged.dataDir), [], 'the partial file is removed');
  } finally {
    await logged.close();
  }
});
