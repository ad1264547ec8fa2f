/** Model downloads against a local HTTP server: full, resumed, failing, verified, and the pull layout. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { downloadFile, type DownloadProgress } from '../../src/models/download.ts';
import { pullModels } from '../../src/models/pull.ts';
import { defaultChatModel, defaultEmbedModel, fileUrl, type ModelSpec } from '../../src/models/catalog.ts';
import { verifyModelFile } from '../../src/models/verify.ts';
import { parsePullArgs } from '../../src/models/args.ts';
import { AppError, UnavailableError } from '../../src/errors.ts';

/**
 * Files served by path; `cutAfter` makes the next response for a path send that many bytes and
 * then hang until the test cuts it (`held`), so the cut comes after the client saw the bytes
 * whatever the machine's load.
 */
const files = new Map<string, Buffer>();
const cutAfter = new Map<string, number>();
let held: http.ServerResponse | undefined;
const rangeHeaders: (string | undefined)[] = [];
let ignoreRange = false;

const server = http.createServer((req, res) => {
  const body = files.get(req.url ?? '');
  rangeHeaders.push(req.headers.range);
  if (!body) {
    res.writeHead(404, 'Not Found').end('no such file');
    return;
  }
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && !ignoreRange) {
    start = Number(m[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` });
  } else {
    res.writeHead(200, { 'content-length': body.length });
  }
  const cut = cutAfter.get(req.url ?? '');
  if (cut !== undefined) {
    cutAfter.delete(req.url ?? '');
    res.write(body.subarray(start, start + cut));
    held = res;
    return;
  }
  res.end(body.subarray(start));
});

let base: string;
let tmp: string;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'docent-download-'));
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fsp.rm(tmp, { recursive: true, force: true });
});

void describe('downloadFile', () => {
  void it('downloads a whole file, reporting progress up to the total', async () => {
    const body = randomBytes(300_000);
    files.set('/a.bin', body);
    const seen: DownloadProgress[] = [];
    const dest = path.join(tmp, 'sub', 'a.bin');
    const r = await downloadFile({ url: `${base}/a.bin`, dest, sha256: sha(body), onProgress: (p) => seen.push({ ...p }) });
    assert.equal(r.bytes, body.length);
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.ok(!fs.existsSync(`${dest}.part`));
    assert.ok(seen.length > 1);
    assert.equal(seen.at(-1)?.received, body.length);
    assert.equal(seen.at(-1)?.total, body.length);
  });

  void it('resumes after a cut connection with a Range request', async () => {
    const body = randomBytes(200_000);
    files.set('/b.bin', body);
    cutAfter.set('/b.bin', 70_000);
    const dest = path.join(tmp, 'b.bin');
    const cutShort = downloadFile({ url: `${base}/b.bin`, dest });
    const deadline = Date.now() + 10_000;
    while (!(fs.existsSync(`${dest}.part`) && fs.statSync(`${dest}.part`).size > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    held?.destroy();
    await assert.rejects(cutShort, (err) => err instanceof UnavailableError && /resume/.test(err.message));
    assert.ok(!fs.existsSync(dest), 'no half file at the destination');
    const partial = fs.statSync(`${dest}.part`).size;
    assert.ok(partial > 0 && partial < body.length, `partial ${partial}`);

    rangeHeaders.length = 0;
    const r = await downloadFile({ url: `${base}/b.bin`, dest, sha256: sha(body) });
    assert.deepEqual(rangeHeaders, [`bytes=${partial}-`]);
    assert.equal(r.resumedFrom, partial);
    assert.ok(fs.readFileSync(dest).equals(body));
  });

  void it('starts again when the server ignores the range', async () => {
    const body = randomBytes(50_000);
    files.set('/c.bin', body);
    const dest = path.join(tmp, 'c.bin');
    fs.writeFileSync(`${dest}.part`, body.subarray(0, 1000));
    ignoreRange = true;
    try {
      const r = await downloadFile({ url: `${base}/c.bin`, dest });
      assert.equal(r.resumedFrom, 0);
    } finally {
      ignoreRange = false;
    }
    assert.ok(fs.readFileSync(dest).equals(body));
  });

  void it('finishes a .part that is already complete (416)', async () => {
    const body = randomBytes(10_000);
    files.set('/d.bin', body);
    const dest = path.join(tmp, 'd.bin');
    fs.writeFileSync(`${dest}.part`, body);
    await downloadFile({ url: `${base}/d.bin`, dest });
    assert.ok(fs.readFileSync(dest).equals(body));
  });

  void it('fails on 404 naming the status, leaving nothing behind', async () => {
    const dest = path.join(tmp, 'missing.bin');
    await assert.rejects(
      downloadFile({ url: `${base}/missing.bin`, dest }),
      (err) => err instanceof AppError && !err.retryable && /HTTP 404/.test(err.message),
    );
    assert.ok(!fs.existsSync(dest));
  });

  void it('discards a file whose sha256 does not match, naming the file', async () => {
    files.set('/e.bin', randomBytes(1000));
    const dest = path.join(tmp, 'e.bin');
    await assert.rejects(downloadFile({ url: `${base}/e.bin`, dest, sha256: '0'.repeat(64) }), /^AppError: e\.bin: sha256 [0-9a-f]{64} of the download .* does not match the pinned 0{64}; the file was discarded/);
    assert.ok(!fs.existsSync(dest) && !fs.existsSync(`${dest}.part`));
  });

  void it('checks a resumed download whole: a damaged .part from an earlier run is caught and discarded', async () => {
    const body = randomBytes(20_000);
    files.set('/r.bin', body);
    const dest = path.join(tmp, 'r.bin');
    const damaged = Buffer.from(body.subarray(0, 5000));
    damaged[100] = damaged[100]! ^ 0xff;
    fs.writeFileSync(`${dest}.part`, damaged);
    rangeHeaders.length = 0;
    await assert.rejects(downloadFile({ url: `${base}/r.bin`, dest, sha256: sha(body), size: body.length }), /r\.bin: sha256 .* does not match the pinned/);
    assert.deepEqual(rangeHeaders, ['bytes=5000-'], 'it was resumed');
    assert.ok(!fs.existsSync(dest) && !fs.existsSync(`${dest}.part`));
    // Run again, as the message says: it downloads anew and passes.
    await downloadFile({ url: `${base}/r.bin`, dest, sha256: sha(body), size: body.length });
    assert.ok(fs.readFileSync(dest).equals(body));
  });

  void it('refuses a download of another size than the pinned one', async () => {
    files.set('/s.bin', randomBytes(3000));
    const dest = path.join(tmp, 's.bin');
    await assert.rejects(downloadFile({ url: `${base}/s.bin`, dest, size: 4000 }), /s\.bin: downloaded 3000 bytes .* the pinned file has 4000/);
    assert.ok(!fs.existsSync(dest) && !fs.existsSync(`${dest}.part`));
  });

  void it('says the host is unreachable when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      downloadFile({ url: `http://127.0.0.1:${port}/x`, dest: path.join(tmp, 'x') }),
      (err) => err instanceof UnavailableError && /cannot reach 127\.0\.0\.1/.test(err.message),
    );
  });
});

void describe('the default models are pinned', () => {
  void it('every default file names a revision, its size and its sha256; its URL is at that revision', () => {
    const specs = [defaultChatModel('/m/chat.gguf'), defaultEmbedModel('/m/bge')];
    const all = specs.flatMap((s) => s.files);
    assert.equal(all.length, 3);
    for (const f of all) {
      assert.match(f.sha256, /^[0-9a-f]{64}$/, f.file);
      assert.match(f.revision, /^[0-9a-f]{40}$/, f.file);
      assert.ok(Number.isInteger(f.size) && f.size > 100_000, f.file);
      assert.equal(fileUrl('https://hub.example', f), `https://hub.example/${f.repo}/resolve/${f.revision}/${f.file}`);
    }
    assert.equal(new Set(all.map((f) => f.sha256)).size, 3);
  });
});

/** The default catalog's layout, with the test server's files and their own pins. */
function servedSpecs(chatPath: string, embedDir: string, served: Map<string, Buffer>, which = { chat: true, embed: true }): ModelSpec[] {
  const pin = (spec: ModelSpec): ModelSpec => ({
    ...spec,
    files: spec.files.map((f) => {
      const body = served.get(new URL(fileUrl('http://x', f)).pathname)!;
      return { ...f, sha256: sha(body), size: body.length };
    }),
  });
  return [...(which.chat ? [pin(defaultChatModel(chatPath))] : []), ...(which.embed ? [pin(defaultEmbedModel(embedDir))] : [])];
}

void describe('pullModels', () => {
  const onnx = randomBytes(40_000);
  const tokenizer = Buffer.from('{"version":"1.0"}');
  const gguf = Buffer.concat([Buffer.from('GGUF'), randomBytes(20_000)]);
  const served = new Map<string, Buffer>();
  before(() => {
    for (const f of [...defaultChatModel('c').files, ...defaultEmbedModel('e').files]) {
      const body = f.file.endsWith('.gguf') ? gguf : f.file.endsWith('.onnx') ? onnx : tokenizer;
      served.set(new URL(fileUrl('http://x', f)).pathname, body);
    }
    for (const [p, body] of served) files.set(p, body);
  });

  void it('lays out the chat file and the embedder directory, then keeps them on a second run', async () => {
    const chatPath = path.join(tmp, 'models', 'chat.gguf');
    const embedDir = path.join(tmp, 'models', 'bge');
    const labels: string[] = [];
    const progress = (label: string) => (labels.push(label), { update: () => {}, stop: () => {} });
    const specs = servedSpecs(chatPath, embedDir, served);
    const first = await pullModels({ chatPath, embedDir, baseUrl: base, progress, specs });
    assert.equal(first.downloaded.length, 3);
    assert.deepEqual(labels, ['chat.gguf', 'tokenizer.json', 'model.onnx']);
    assert.ok(fs.readFileSync(chatPath).equals(gguf));
    assert.ok(fs.readFileSync(path.join(embedDir, 'model.onnx')).equals(onnx));
    const manifest = JSON.parse(fs.readFileSync(path.join(embedDir, 'docent-embedder.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(manifest.pooling, 'cls');
    assert.equal(manifest.dimensions, 384);

    const second = await pullModels({ chatPath, embedDir, baseUrl: base, specs });
    assert.deepEqual(second, { downloaded: [], kept: [chatPath, path.join(embedDir, 'tokenizer.json'), path.join(embedDir, 'model.onnx')] });
    const forced = await pullModels({ chatPath, embedDir, baseUrl: base, force: true, specs: servedSpecs(chatPath, embedDir, served, { chat: true, embed: false }) });
    assert.deepEqual(forced.downloaded, [chatPath]);
  });

  void it('the real pins refuse a file that is not the published one (the test server serves other bytes)', async () => {
    const chatPath = path.join(tmp, 'pinned', 'chat.gguf');
    await assert.rejects(
      pullModels({ chatPath, embedDir: path.join(tmp, 'pinned', 'e'), baseUrl: base, embed: false }),
      /chat\.gguf: downloaded 20004 bytes .* the pinned file has 807694464/,
    );
    assert.ok(!fs.existsSync(chatPath));
  });

  void it('a file placed by hand is held to the same pin: a damaged one is refused naming it, the right one kept', async () => {
    const chatPath = path.join(tmp, 'byhand', 'chat.gguf');
    const embedDir = path.join(tmp, 'byhand', 'bge');
    const specs = servedSpecs(chatPath, embedDir, served, { chat: true, embed: false });
    fs.mkdirSync(path.dirname(chatPath), { recursive: true });
    const damaged = Buffer.from(gguf);
    damaged[10] = damaged[10]! ^ 1;
    fs.writeFileSync(chatPath, damaged);
    await assert.rejects(pullModels({ chatPath, embedDir, baseUrl: base, specs }), (err) =>
      err instanceof AppError && err.message.startsWith(`${chatPath} is not the pinned bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf (sha256 `) && /npm run models:pull/.test(err.message));
    fs.writeFileSync(chatPath, gguf.subarray(0, 100));
    await assert.rejects(verifyModelFile(specs[0]!.files[0]!), /\(100 bytes, expected 20004\)/);
    fs.writeFileSync(chatPath, gguf);
    assert.deepEqual((await pullModels({ chatPath, embedDir, baseUrl: base, specs })).kept, [chatPath]);
    // Remembered by size and time: the next start does not hash it again, a changed file is hashed.
    const cache = JSON.parse(fs.readFileSync(path.join(path.dirname(chatPath), '.docent-verified.json'), 'utf8')) as Record<string, { sha256: string }>;
    assert.equal(cache['chat.gguf']?.sha256, sha(gguf));
    fs.writeFileSync(chatPath, damaged);
    fs.utimesSync(chatPath, new Date(), new Date(Date.now() + 5000));
    await assert.rejects(verifyModelFile(specs[0]!.files[0]!), /is not the pinned/);
  });

  void it('explains how to place the files by hand when the server is unreachable', async () => {
    await assert.rejects(
      pullModels({ chatPath: path.join(tmp, 'n', 'c.gguf'), embedDir: path.join(tmp, 'n', 'e'), baseUrl: 'http://127.0.0.1:1' }),
      (err) => err instanceof UnavailableError && /unreachable/.test(err.message) && err.message.includes('model_quantized.onnx'),
    );
  });
});

void describe('parsePullArgs', () => {
  void it('reads the flags and rejects bad ones', () => {
    assert.deepEqual(parsePullArgs(['--chat-only', '--force']), { chat: true, embed: false, force: true, baseUrl: undefined, help: false });
    assert.equal(parsePullArgs(['--embed-only']).chat, false);
    assert.equal(parsePullArgs(['--base-url=http://mirror.local']).baseUrl, 'http://mirror.local');
    assert.throws(() => parsePullArgs(['--chat-only', '--embed-only']), /exclude/);
    assert.throws(() => parsePullArgs(['--nope']), /unknown option/);
  });
});
