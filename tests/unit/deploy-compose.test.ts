/**
 * The Docker setup exposes the web alone: the analytics API (every question and answer), RabbitMQ
 * (and its management UI) and Kafka stay on an internal network, and the broker credentials have no
 * working default. The optional HTTPS proxy (docker-compose.tls.yml) comes with the web's trust in
 * it, so the proxied setup needs no hand-set TRUST_PROXY. Read from the compose files as compose
 * itself would read them (no Docker engine is needed to check what they publish).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.ts';

interface Service {
  profiles?: string[];
  ports?: string[];
  networks?: string[];
  environment?: Record<string, string>;
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  'x-docent': { environment: Record<string, string> };
}

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as Compose;
const tls = parse(read('docker-compose.tls.yml'), { merge: true }) as { services: Record<string, Service & { volumes?: string[] }>; volumes?: Record<string, unknown> };

void test('only the web publishes a port, on the loopback address unless WEB_BIND says otherwise; the optional TLS proxy likewise', () => {
  const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
  assert.deepEqual(published, ['web']);
  assert.deepEqual(compose.services.web!.ports, ['${WEB_BIND:-127.0.0.1}:${WEB_PORT:-3000}:3000']);
  // Off unless its file is added, and on the loopback address unless TLS_BIND says otherwise.
  assert.deepEqual(Object.keys(tls.services).sort(), ['tls-proxy', 'web']);
  assert.equal(tls.services.web!.ports, undefined, 'the TLS file publishes nothing more of the web');
  assert.deepEqual(tls.services['tls-proxy']!.ports, ['${TLS_BIND:-127.0.0.1}:${TLS_PORT:-8443}:443']);
  assert.deepEqual(tls.services['tls-proxy']!.networks, ['public'], 'the proxy talks to the web alone');
});

void test('HTTPS through the TLS proxy needs no hand-set TRUST_PROXY: the file that adds the proxy makes the web trust it, and only that file', () => {
  // Without the proxy nothing forwarded is believed (a client could otherwise pick its address).
  assert.equal(compose.services.web!.environment!.TRUST_PROXY, '${TRUST_PROXY:-off}');
  assert.equal(parseConfig({ TRUST_PROXY: 'off' }).web.trustProxy, false);
  // With it, a fixed value (no ${...}: an .env cannot leave it off) that Docent accepts, naming the
  // private network compose puts the proxy on.
  const trust = tls.services.web!.environment!.TRUST_PROXY!;
  assert.equal(trust, 'uniquelocal');
  assert.deepEqual(parseConfig({ TRUST_PROXY: trust }).web.trustProxy, ['uniquelocal']);
  assert.deepEqual(Object.keys(tls.services.web!), ['environment'], 'the TLS file changes nothing else of the web');
  // The proxy is not behind a profile of its own: adding the file is the one switch.
  assert.equal(tls.services['tls-proxy']!.profiles, undefined);
  assert.equal(compose.services['tls-proxy'], undefined, 'no proxy in the base file that could run without the trust');
  for (const v of tls.services['tls-proxy']!.volumes ?? []) {
    const source = v.split(':')[0]!;
    if (source.startsWith('./')) assert.ok(fs.existsSync(path.join(root, source)), v);
    else assert.ok(tls.volumes && source in tls.volumes, `volume ${source} is declared`);
  }
  // The documented command adds the file; the old profile (which left TRUST_PROXY to the operator) is gone.
  assert.match(read('docs/operations.md'), /COMPOSE_FILE=docker-compose\.yml:docker-compose\.tls\.yml/);
  for (const file of ['docker-compose.yml', 'docker-compose.tls.yml', 'deploy/Caddyfile', 'docs/operations.md', 'README.md']) {
    assert.doesNotMatch(read(file), /--profile tls/, file);
  }
});

void test('brokers, workers and analytics live on an internal network; only the web also joins the public one', () => {
  assert.equal(compose.networks.internal?.internal, true);
  for (const [name, svc] of Object.entries(compose.services)) {
    const expected = name === 'web' ? ['internal', 'public'] : ['internal'];
    assert.deepEqual(svc.networks, expected, name);
  }
});

void test('RabbitMQ credentials come from the environment with no working default', () => {
  const pass = compose.services.rabbitmq!.environment!.RABBITMQ_DEFAULT_PASS!;
  assert.match(pass, /^\$\{RABBITMQ_PASSWORD:\?[^}]+\}$/);
  assert.match(compose['x-docent'].environment.AMQP_URL!, /\$\{RABBITMQ_PASSWORD:\?/);
  assert.doesNotMatch(JSON.stringify(compose), /guest|:-docent\}@|RABBITMQ_PASSWORD:-/);
});

void test('the web and the analytics API refuse host names they were not given (DNS rebinding)', () => {
  assert.equal(compose.services.web!.environment!.ALLOWED_HOSTS, '${ALLOWED_HOSTS:-localhost,127.0.0.1}');
  assert.match(compose.services.analytics!.environment!.ALLOWED_HOSTS!, /^analytics,/);
  assert.equal(compose.services.web!.environment!.ANALYTICS_URL, 'http://analytics:3002');
});
