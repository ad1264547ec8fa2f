/**
 * The web page fetcher against a local web server the test starts: an article, a redirect chain,
 * a redirect loop, a huge body, a slow answer, a PDF, a 404; and its refusals (private, loopback,
 * link-local and IPv4-mapped addresses, a host name resolving to loopback, a redirect to a private
 * address, ftp: and file: URLs). The test's own server is on loopback, so reaching it needs
 * allowPrivate, or a policy that allows exactly 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fetchUrl, UrlFetchError, type FetchOptions } from '../../src/sources/url-fetcher.ts';
import { isPrivateAddress } from '../../src/sources/address-policy.ts';
import { makePdf } from '../support/make-pdf.ts';

const ARTICLE = '<html><head><title>Otters</title></head><body><p>River otters build holts.</p></body></html>';
let server: http.Server;
let base: string;
const tempDir = path.join(os.tmpdir(), `docent-fetch-${process.pid}`);
const pending = new Set<http.ServerResponse>();

before(async () => {
  await fs.mkdir(tempDir, { recursive: true });
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/article') return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(ARTICLE);
    const hop = /^\/r(\d+)$/.exec(url);
    if (hop) return res.writeHead(302, { location: Number(hop[1]) > 0 ? `/r${Number(hop[1]) - 1}` : '/article' }).end();
    if (url === '/loop') return res.writeHead(301, { location: '/loop' }).end();
    if (url === '/to-private') return res.writeHead(302, { location: 'http://10.0.0.1/' }).end();
    if (url === '/to-v6-loopback') return res.writeHead(302, { location: `http://[::1]:${(server.address() as AddressInfo).port}/article` }).end();
    if (url === '/huge') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      for (let i = 0; i < 64; i++) res.write(chunk);
      return res.end();
    }
    if (url === '/huge-announced') return res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(10 * 1024 * 1024) }).end('a');
    if (url === '/slow') return void pending.add(res);
    if (url === '/doc.pdf') return res.writeHead(200, { 'content-type': 'application/pdf' }).end(makePdf(['Otters in a PDF']));
    if (url === '/image.gif') return res.writeHead(200, { 'content-type': 'image/gif' }).end('GIF89a');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const r of pending) r.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(tempDir, { recursive: true, force: true });
});

const open: FetchOptions = { tempDir, maxBytes: 256 * 1024, timeoutMs: 5000, allowPrivate: true };
/** Refuses private addresses except the test server's own. */
const onlyOurs: FetchOptions = { ...open, allowPrivate: false, blocked: (ip) => ip !== '127.0.0.1' && isPrivateAddress(ip) };
const closed: FetchOptions = { ...open, allowPrivate: false };

async function refusal(url: string, opts: FetchOptions): Promise<UrlFetchError> {
  try {
    const page = await fetchUrl(url, opts);
    await fs.rm(page.tempPath, { force: true });
  } catch (err) {
    assert.ok(err instanceof UrlFetchError, String(err));
    return err;
  }
  assert.fail(`${url} was fetched`);
}

test('an article page is fetched with its content type, into a temp file', async () => {
  const page = await fetchUrl(`${base}/article`, open);
  assert.equal(page.contentType, 'text/html');
  assert.equal(await fs.readFile(page.tempPath, 'utf8'), ARTICLE);
  assert.equal(page.size, Buffer.byteLength(ARTICLE));
});

test('a redirect chain of five is followed; a sixth hop and a loop are refused', async () => {
  const page = await fetchUrl(`${base}/r4`, open);
  assert.equal(page.finalUrl, `${base}/article`);
  assert.match((await refusal(`${base}/r5`, open)).message, /redirected more than 5 times/);
  assert.equal((await refusal(`${base}/loop`, open)).reason, 'too_many_redirects');
});

test('a body larger than the limit is refused, announced or streamed', async () => {
  const streamed = await refusal(`${base}/huge`, open);
  assert.equal(streamed.reason, 'too_large');
  assert.match(streamed.message, /The page is larger than 256 KB/);
  assert.equal((await refusal(`${base}/huge-announced`, open)).reason, 'too_large');
});

test('a site that does not answer in time is refused with the time', async () => {
  const err = await refusal(`${base}/slow`, { ...open, timeoutMs: 300 });
  assert.equal(err.reason, 'timeout');
  assert.match(err.message, /did not answer within 0\.3 s/);
});

test('a PDF is fetched as application/pdf; a 404 and an unreadable type are refused', async () => {
  const page = await fetchUrl(`${base}/doc.pdf`, open);
  assert.equal(page.contentType, 'application/pdf');
  assert.equal((await fs.readFile(page.tempPath)).subarray(0, 5).toString(), '%PDF-');
  assert.match((await refusal(`${base}/missing`, open)).message, /^HTTP 404 from the site/);
  assert.equal((await refusal(`${base}/image.gif`, open)).reason, 'unreadable_type');
});

test('private, loopback, link-local and mapped addresses are refused without ALLOW_PRIVATE_URLS', async () => {
  const port = (server.address() as AddressInfo).port;
  for (const url of [`${base}/article`, 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data', `http://[::1]:${port}/article`, `http://[::ffff:127.0.0.1]:${port}/article`, `http://2130706433:${port}/article`, `http://0177.0.0.1:${port}/article`, 'http://100.64.0.1/', 'http://[fd00::1]/']) {
    const err = await refusal(url, closed);
    assert.equal(err.reason, 'private_address', url);
    assert.match(err.message, /is on a private network .*Set ALLOW_PRIVATE_URLS=true to allow it\./);
  }
  // A host name is judged by what it resolves to: localhost, or any name pointing at loopback.
  assert.equal((await refusal(`http://localhost:${port}/article`, closed)).reason, 'private_address');
  const rebinding = { ...closed, resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) };
  assert.equal((await refusal(`http://innocent.example:${port}/article`, rebinding)).reason, 'private_address');
});

test('the connection goes to the address that was checked, not to a second DNS answer', async () => {
  // The system resolver cannot find this name: the fetch works only by connecting to the checked address.
  const port = (server.address() as AddressInfo).port;
  const pinned = { ...onlyOurs, resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]) };
  const page = await fetchUrl(`http://docent-pinned.invalid:${port}/article`, pinned);
  assert.equal(await fs.readFile(page.tempPath, 'utf8'), ARTICLE);
});

test('each redirect hop is checked: a redirect to a private address is refused', async () => {
  assert.ok((await fetchUrl(`${base}/article`, onlyOurs)).size > 0);
  const err = await refusal(`${base}/to-private`, onlyOurs);
  assert.equal(err.reason, 'private_address');
  assert.match(err.message, /10\.0\.0\.1/);
  assert.equal((await refusal(`${base}/to-v6-loopback`, onlyOurs)).reason, 'private_address');
});

test('only http and https URLs are fetched', async () => {
  for (const url of ['ftp://example.org/file.txt', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) {
    assert.equal((await refusal(url, open)).reason, 'bad_url', url);
  }
  assert.match((await refusal('ftp://example.org/x', open)).message, /Only http and https addresses can be added \(this one is ftp:\)/);
});
