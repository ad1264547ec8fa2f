/**
 * The Docker setup exposes the web alone: the analytics API (every question and answer), RabbitMQ
 * (and its management UI) and Kafka stay on an internal network, and the broker credentials have no
 * working default. Read from docker-compose.yml as compose itself would read it (no Docker engine
 * is needed to check what it publishes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

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

const compose = parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as Compose;

void test('only the web publishes a port, on the loopback address unless WEB_BIND says otherwise; the optional TLS proxy likewise', () => {
  const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
  assert.deepEqual(published, ['web', 'tls-proxy']);
  assert.deepEqual(compose.services.web!.ports, ['${WEB_BIND:-127.0.0.1}:${WEB_PORT:-3000}:3000']);
  // Off unless asked for (`--profile tls`), and on the loopback address unless TLS_BIND says otherwise.
  assert.deepEqual(compose.services['tls-proxy']!.profiles, ['tls']);
  assert.deepEqual(compose.services['tls-proxy']!.ports, ['${TLS_BIND:-127.0.0.1}:${TLS_PORT:-8443}:443']);
});

void test('brokers, workers and analytics live on an internal network; only the web also joins the public one', () => {
  assert.equal(compose.networks.internal?.internal, true);
  for (const [name, svc] of Object.entries(compose.services)) {
    // The TLS proxy talks to the web alone, on the public network.
    const expected = name === 'web' ? ['internal', 'public'] : name === 'tls-proxy' ? ['public'] : ['internal'];
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
