/**
 * Traces and metrics of the roles apart, on the real RabbitMQ and Kafka with the small real
 * models: web, answer worker, ingest worker and analytics as separate processes, each exporting
 * spans over OTLP/HTTP to a receiver this test runs (a plain HTTP server collecting POST
 * /v1/traces), each serving /metrics (the web on its port, the others on METRICS_PORT).
 * - A question's spans from web, answer worker and analytics arrive as one trace, each under the
 *   right parent, across the RabbitMQ message headers and the Kafka record headers.
 * - An upload's trace runs from the web's request to the ingest worker.
 * - Each process's /metrics shows its part: the worker's answer counter and stage histograms, the
 *   ingest counter, the queue gauges read from RabbitMQ, the analytics consumer's lag per partition.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { brokerRoleEnv } from '../support/brokers-env.ts';
import { freePort, startRole, testRoleEnv, waitForHttp, waitForOutput, type RoleProcess } from '../support/processes.ts';

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

const spans: ReceivedSpan[] = [];
let receiver: http.Server;
const procs: RoleProcess[] = [];
const ports: Record<string, number> = {};
let base: string;
let tmp: string;
const prefix = `t${randomBytes(4).toString('hex')}.`;

/** OTLP/HTTP JSON: resourceSpans -> scopeSpans -> spans, ids as hex strings. */
function collect(body: unknown): void {
  type Attr = { key: string; value: Record<string, unknown> };
  const doc = body as { resourceSpans?: Array<{ resource?: { attributes?: Attr[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> };
  for (const rs of doc.resourceSpans ?? []) {
    const name = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
    const service = typeof name === 'string' ? name : '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attributes: Record<string, unknown> = {};
        for (const a of (s.attributes as Attr[] | undefined) ?? []) attributes[a.key] = Object.values(a.value)[0];
        const parent = typeof s.parentSpanId === 'string' && s.parentSpanId !== '' ? s.parentSpanId : undefined;
        spans.push({ service, name: String(s.name), traceId: String(s.traceId), spanId: String(s.spanId), parentSpanId: parent, attributes });
      }
    }
  }
}

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = zlib.gunzipSync(raw);
      if (req.method === 'POST' && req.url === '/v1/traces') collect(JSON.parse(raw.toString('utf8')));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-tracing-'));
  for (const role of ['web', 'answer', 'ingest', 'analytics', 'analyticsHttp']) ports[role] = await freePort();
  base = `http://127.0.0.1:${ports.web}`;
  const common = { ...brokerRoleEnv(prefix), ...testRoleEnv(path.join(tmp, 'vectorstore')), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
  const answer = startRole('answer-worker', 'answer-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'answer'), WORKER_ID: 'answer-a', METRICS_PORT: String(ports.answer) });
  const ingest = startRole('ingest-worker', 'ingest-worker.ts', { ...common, DATA_DIR: path.join(tmp, 'ingest'), METRICS_PORT: String(ports.ingest) });
  const analytics = startRole('analytics', 'analytics.ts', { ...common, DATA_DIR: path.join(tmp, 'analytics'), METRICS_PORT: String(ports.analytics), ANALYTICS_PORT: String(ports.analyticsHttp) });
  const web = startRole('web', 'web.ts', { ...common, DATA_DIR: path.join(tmp, 'web'), PORT: String(ports.web) });
  procs.push(answer, ingest, analytics, web);
  try {
    await Promise.all([
      waitForOutput(answer, 'answer worker ready', 180_000),
      waitForOutput(ingest, 'ingest worker ready', 180_000),
      waitForOutput(analytics, 'analytics consumer ready', 180_000),
      waitForHttp(`${base}/readyz`, 180_000, procs),
    ]);
  } catch (err) {
    fail(err);
  }
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await new Promise<void>((r) => receiver.close(() => r()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix).catch(() => undefined);
});

/** Waits until the spans of `traceId` include every name in `names`. */
async function traceWith(traceId: string, names: string[], timeoutMs = 60_000): Promise<ReceivedSpan[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const mine = spans.filter((s) => s.traceId === traceId);
    if (names.every((n) => mine.some((s) => s.name === n))) return mine;
    if (Date.now() > end) fail(`trace ${traceId} lacks ${names.filter((n) => !mine.some((s) => s.name === n)).join(', ')}; has ${mine.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function one(list: ReceivedSpan[], name: string): ReceivedSpan {
  const found = list.filter((s) => s.name === name);
  assert.equal(found.length, 1, `${name} once among ${list.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

async function metricsOf(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('an upload is one trace from the web request to the ingest worker', async () => {
  const form = new FormData();
  form.append('file', new Blob(['Harbour guide.\n\nThe lighthouse of Qorvath harbour is kept by Ilsabet Marrow.'], { type: 'text/plain' }), 'harbour-guide.txt');
  const traceId = randomBytes(16).toString('hex');
  const up = await fetch(`${base}/api/documents`, { method: 'POST', body: form, headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } });
  assert.equal(up.status, 202, await up.clone().text());
  const { documents } = (await up.json()) as { documents: Array<{ id: string }> };
  const end = Date.now() + 120_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${documents[0]!.id}`)).json()) as { status: string };
    if (d.status === 'ready') break;
    if (d.status === 'failed' || Date.now() > end) fail(`document not indexed: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const trace = await traceWith(traceId, ['POST /api/documents', 'ingest.jobs process']);
  const request = one(trace, 'POST /api/documents');
  const job = one(trace, 'ingest.jobs process');
  assert.equal(request.service, 'docent-web');
  assert.equal(job.service, 'docent-ingest-worker');
  assert.equal(job.parentSpanId, request.spanId);

  const ingest = await metricsOf(ports.ingest!);
  assert.equal(value(ingest, 'docent_ingests_total{outcome="ready"}'), 1);
  assert.equal(value(ingest, 'docent_ingest_duration_seconds_count'), 1);
  assert.equal(value(ingest, 'docent_queue_consumers{queue="ingest.jobs"}'), 1);
  assert.ok((value(ingest, 'docent_index_vectors{collection="general"}') ?? 0) >= 1, 'the index holds the passage');
  assert.ok((value(ingest, 'docent_index_version_timestamp_seconds{collection="general"}') ?? 0) > 1.7e9);
});

test('a question is one trace across web, answer worker and analytics, with the right parents', async () => {
  const res = await fetch(`${base}/api/ask`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ question: 'Who keeps the lighthouse of Qorvath harbour?', settings: { maxTokens: 24 } }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { answerId } = (await res.json()) as { answerId: string };
  // The trace id is the web's own: found from the worker's span that names the answer.
  const end = Date.now() + 60_000;
  let processing: ReceivedSpan | undefined;
  while (!(processing = spans.find((s) => s.name === 'answer.requests process' && s.attributes['docent.answer_id'] === answerId))) {
    if (Date.now() > end) fail(`no worker span for ${answerId}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const trace = await traceWith(processing.traceId, ['POST /api/ask', 'answer.requests publish', 'answer.requests process', 'retrieval', 'prompt', 'generation', 'qa publish', 'qa process']);
  const request = one(trace, 'POST /api/ask');
  const publish = one(trace, 'answer.requests publish');
  const qaPublish = one(trace, 'qa publish');
  const qaProcess = one(trace, 'qa process');
  assert.equal(request.parentSpanId, undefined, 'the request is the root');
  assert.deepEqual([request.service, publish.service, processing.service, qaProcess.service], ['docent-web', 'docent-web', 'docent-answer-worker', 'docent-analytics']);
  assert.equal(publish.parentSpanId, request.spanId);
  assert.equal(processing.parentSpanId, publish.spanId);
  for (const name of ['retrieval', 'prompt', 'generation', 'qa publish']) assert.equal(one(trace, name).parentSpanId, processing.spanId, name);
  assert.equal(qaProcess.parentSpanId, qaPublish.spanId);
  assert.equal(processing.attributes['messaging.system'], 'rabbitmq');
  assert.equal(qaProcess.attributes['messaging.system'], 'kafka');

  const worker = await metricsOf(ports.answer!);
  assert.equal(value(worker, 'docent_answers_total{outcome="answered"}'), 1);
  assert.equal(value(worker, 'docent_answer_stage_duration_seconds_count{stage="first_token"}'), 1);
  assert.equal(value(worker, 'docent_answer_tokens_per_second_count'), 1);
  assert.equal(value(worker, 'docent_queue_consumers{queue="answer.requests"}'), 1);
  assert.equal(value(worker, 'docent_queue_messages{queue="answer.requests"}'), 0);
  const web = await metricsOf(ports.web!);
  assert.equal(value(web, 'docent_queue_consumers{queue="answer.requests"}'), 1);
  assert.equal(value(web, 'docent_queue_dead_letter_messages{queue="ingest.jobs"}'), 0);
  assert.ok((value(web, 'process_resident_memory_bytes') ?? 0) > 0);
  const analytics = await metricsOf(ports.analytics!);
  const lag = analytics.split('\n').filter((l) => l.startsWith('docent_kafka_consumer_lag_messages{group="analytics",topic="qa"'));
  assert.equal(lag.length, 3, 'one series per partition of qa');
  assert.ok(analytics.includes('nodejs_eventloop_lag_seconds '));
});
