/**
 * One trace per question through the in-process bus and event log: the web's request span (which
 * continues the caller's `traceparent`), the publish to answer.requests, the worker's process span
 * with retrieval, prompt and generation under it, the qa publish and the analytics consumer's span,
 * all with one trace id and each under the right parent; the worker's log lines carry the trace id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { traceFields } from '../../src/log.ts';
import { startTracing, type Tracing } from '../../src/tracing/tracing.ts';
import { startObservedApp, type ObservedApp } from '../support/observed-app.ts';

const exporter = new InMemorySpanExporter();
const lines: Array<Record<string, unknown>> = [];
let tracing: Tracing;
let app: ObservedApp;

before(async () => {
  tracing = startTracing({ endpoint: undefined, serviceName: 'docent-test', exporter });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  app = await startObservedApp({ workerLogger: pino({ level: 'info', mixin: traceFields }, sink) });
  await app.startAnalytics();
});
after(async () => {
  await app.close();
  await tracing.shutdown();
});

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

test('a question is one trace from the request through the worker to the analytics consumer', async () => {
  const { answerId } = await app.ask('Who keeps the light?', { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-01` });
  let spans: ReadableSpan[] = [];
  for (let i = 0; i < 200 && !spans.some((s) => s.name === 'qa process'); i++) {
    await new Promise((r) => setTimeout(r, 25));
    spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === CALLER_TRACE);
  }
  const byName = (name: string): ReadableSpan => {
    const found = spans.filter((s) => s.name === name);
    assert.equal(found.length, 1, `${name} once among ${spans.map((s) => s.name).join(', ')}`);
    return found[0]!;
  };
  const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;
  const request = byName('POST /api/ask');
  assert.equal(parentOf(request), '00f067aa0ba902b7', 'the request continues the caller');
  const publish = byName('answer.requests publish');
  assert.equal(parentOf(publish), request.spanContext().spanId);
  const processing = byName('answer.requests process');
  assert.equal(parentOf(processing), publish.spanContext().spanId);
  assert.equal(processing.attributes['docent.answer_id'], answerId);
  assert.equal(processing.attributes['docent.outcome'], 'answered');
  for (const stage of ['retrieval', 'prompt', 'generation', 'qa publish']) assert.equal(parentOf(byName(stage)), processing.spanContext().spanId, stage);
  assert.equal(byName('generation').attributes['gen_ai.usage.output_tokens'], 3);
  assert.equal(parentOf(byName('qa process')), byName('qa publish').spanContext().spanId);

  const worker = lines.filter((l) => l.answerId === answerId);
  assert.ok(worker.length >= 2, 'answering and answered');
  for (const l of worker) assert.equal(l.traceId, CALLER_TRACE, String(l.msg));
});

test('without a caller trace a question starts its own; two questions are two traces', async () => {
  exporter.reset();
  await app.ask('first?');
  await app.ask('second?');
  const roots = exporter.getFinishedSpans().filter((s) => s.name === 'POST /api/ask');
  assert.equal(roots.length, 2);
  assert.notEqual(roots[0]!.spanContext().traceId, roots[1]!.spanContext().traceId);
  for (const r of roots) assert.equal(r.parentSpanContext, undefined);
});
