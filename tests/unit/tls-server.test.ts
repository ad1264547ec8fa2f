/**
 * HTTPS served directly (TLS_CERT / TLS_KEY): a self-signed certificate made by openssl in the test,
 * the web app (fake services) served through the same listen() the web role uses, fetched with an
 * agent that trusts that certificate. The page answers, the session cookie is Secure and HSTS is
 * sent over TLS (and neither over plain HTTP); half a setting or a missing file is a clear error.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Closer } from '../../src/app/closer.ts';
import { listen, loadTls } from '../../src/app/http-server.ts';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { createWebApp } from '../../src/web/app.ts';
import { FakeServices, startTestServer } from '../support/fake-services.ts';

const log = pino({ level: 'silent' });
let dir = '';
let cert = '';
let key = '';

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-tls-'));
  cert = path.join(dir, 'cert.pem');
  key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** GET over HTTPS trusting only `ca`. */
function getTls(url: string, ca: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, agent: new https.Agent({ ca, keepAlive: false }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

void test('with TLS_CERT and TLS_KEY the web serves HTTPS, with a Secure session cookie and HSTS', async () => {
  const dataDir = path.join(dir, 'data');
  const config = parseConfig({ DATA_DIR: dataDir, VECTORSTORE_DIR: path.join(dir, 'vs'), TLS_CERT: cert, TLS_KEY: key, PORT: '0' });
  assert.deepEqual(config.web.tls, { cert, key });
  const services = new FakeServices();
  services.uploadsDir = config.paths.uploads;
  const closer = new Closer(log);
  try {
    const server = await listen(createWebApp({ services, config, logger: log }), '127.0.0.1', 0, closer, log, await loadTls(config.web.tls));
    const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ca = await fs.readFile(cert);

    const page = await getTls(`${base}/documents`, ca);
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /<html/);
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000', 'HSTS is sent over TLS');

    const session = await getTls(`${base}/api/session`, ca);
    assert.equal(session.status, 200, session.body);
    const cookie = (session.headers['set-cookie'] ?? []).find((c) => c.startsWith('docent_session='));
    assert.ok(cookie, `a session cookie is set: ${JSON.stringify(session.headers['set-cookie'])}`);
    assert.match(cookie, /;\s*Secure(;|$)/, `the session cookie is Secure under TLS: ${cookie}`);
    assert.match(cookie, /HttpOnly/);

    // Without trusting the certificate, the connection is refused: this really is TLS.
    await assert.rejects(
      new Promise((resolve, reject) => https.get(`${base}/documents`, { agent: new https.Agent({ keepAlive: false }) }, resolve).on('error', reject)),
      /self[- ]signed|unable to verify/i,
    );
  } finally {
    await closer.close();
    services.chats.close();
    services.registry.close();
  }
});

void test('over plain HTTP the session cookie is not Secure and no HSTS is sent', async () => {
  const srv = await startTestServer();
  try {
    const page = await fetch(`${srv.url}/documents`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('strict-transport-security'), null);
    const cookie = (await fetch(`${srv.url}/api/session`)).headers.get('set-cookie') ?? '';
    assert.match(cookie, /^docent_session=/);
    assert.doesNotMatch(cookie, /Secure/);
  } finally {
    await srv.close();
  }
});

void test('TLS_CERT without TLS_KEY (or the reverse) is a configuration error naming the missing one', () => {
  assert.throws(() => parseConfig({ TLS_CERT: cert }), (err: unknown) => err instanceof ConfigError && /TLS_KEY/.test(err.message) && /together/.test(err.message));
  assert.throws(() => parseConfig({ TLS_KEY: key }), (err: unknown) => err instanceof ConfigError && /TLS_CERT/.test(err.message));
  assert.equal(parseConfig({}).web.tls, undefined);
});

void test('a missing key file or a file that is not a key stops start-up with a clear error', async () => {
  const missing = path.join(dir, 'no-such-key.pem');
  await assert.rejects(loadTls({ cert, key: missing }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /TLS_KEY: cannot read .*no-such-key\.pem \(ENOENT\)/);
    return true;
  });
  await assert.rejects(loadTls({ cert, key: cert }), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /TLS_CERT, TLS_KEY: .* are not a usable PEM certificate and matching key/);
    return true;
  });
});
