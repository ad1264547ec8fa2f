/**
 * /metrics after real work through the in-process roles: a question asked over /api/ask moves the
 * answer counters and fills the stage histograms; the queue gauges show depth, consumers and dead
 * letters as the in-process bus holds them; the analytics consumer's lag per partition drops to
 * zero once it has read the qa event; process memory and event-loop lag are there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUEUES } from '../../src/contracts/names.ts';
import { cachedRead } from '../../src/metrics/scrape-cache.ts';
import { startObservedApp, type ObservedApp } from '../support/observed-app.ts';

let app: ObservedApp;
before(async () => {
  app = await startObservedApp();
});
after(async () => {
  await app.close();
});

async function scrape(): Promise<{ text: string; value: (series: string) => number | undefined }> {
  const res = await fetch(`${app.srv.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const value = (series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { text, value };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('an answered question moves the answer counter, the stage histograms and the token counters', async () => {
  const before = await scrape();
  assert.equal(before.value('docent_answers_total{outcome="answered"}'), 0);
  assert.equal(before.value('docent_answer_stage_duration_seconds_count{stage="generation"}'), undefined);

  const { answer } = await app.ask('Who keeps the light?');
  assert.equal(answer, 'Ilsabet keeps it [1].');
  const m = await scrape();
  assert.equal(m.value('docent_answers_total{outcome="answered"}'), 1);
  for (const stage of ['queue_wait', 'retrieval', 'first_token', 'generation', 'total']) {
    assert.equal(m.value(`docent_answer_stage_duration_seconds_count{stage="${stage}"}`), 1, stage);
    assert.equal(m.value(`docent_answer_stage_duration_seconds_bucket{le="+Inf",stage="${stage}"}`), 1, stage);
    assert.ok(m.text.includes(`docent_answer_stage_duration_seconds_bucket{le="0.005",stage="${stage}"}`), `${stage} has its small buckets`);
  }
  // Generation took at least the scripted model's 3 x 2 ms.
  assert.ok((m.value('docent_answer_stage_duration_seconds_sum{stage="generation"}') ?? 0) >= 0.006);
  assert.equal(m.value('docent_answer_generated_tokens_total'), 3);
  assert.equal(m.value('docent_answer_tokens_per_second_count'), 1);
  assert.ok((m.value('docent_answer_tokens_per_second_sum') ?? 0) > 0);
});

test('queue gauges: depth and consumers of answer.requests and ingest.jobs, dead letters after a rejected request', async () => {
  let m = await scrape();
  assert.equal(m.value('docent_queue_consumers{queue="answer.requests"}'), 1);
  assert.equal(m.value('docent_queue_messages{queue="answer.requests"}'), 0);
  assert.equal(m.value('docent_queue_consumers{queue="ingest.jobs"}'), 0);

  // Nobody consumes ingest.jobs here: the jobs wait and the gauge shows them.
  await app.bus.send(QUEUES.ingestJobs, { not: 'a job' });
  await app.bus.send(QUEUES.ingestJobs, { not: 'a job' });
  m = await scrape();
  assert.equal(m.value('docent_queue_messages{queue="ingest.jobs"}'), 2);

  // A malformed request is dead-lettered by the worker: counted as rejected, seen in the dead-letter gauge.
  await app.bus.send(QUEUES.answerRequests, { question: 'no contract' }, { replyTo: 'nowhere' });
  await until(async () => (await scrape()).value('docent_queue_dead_letter_messages{queue="answer.requests"}') === 1, 'the dead letter');
  m = await scrape();
  assert.equal(m.value('docent_answers_total{outcome="rejected"}'), 1);
});

test('Kafka consumer lag per partition of the analytics group falls to zero once the consumer has read the qa events', async () => {
  // The qa event of the first test waits on one partition of `qa`; the consumer has not started.
  const lagSeries = (text: string): number[] =>
    text
      .split('\n')
      .filter((l) => l.startsWith('docent_kafka_consumer_lag_messages{group="analytics",topic="qa"'))
      .map((l) => Number(l.split(' ').at(-1)));
  const before = lagSeries((await scrape()).text);
  assert.equal(before.length, 3, 'one series per partition');
  assert.equal(before.reduce((a, b) => a + b, 0), 1);
  await app.startAnalytics();
  await until(async () => lagSeries((await scrape()).text).every((l) => l === 0), 'the lag to fall to zero');
});

test('process memory and event-loop lag come from the default metrics; unit suffixes and _total counters', async () => {
  const m = await scrape();
  assert.ok((m.value('process_resident_memory_bytes') ?? 0) > 0);
  assert.ok(m.text.includes('nodejs_eventloop_lag_seconds '));
  assert.ok(m.text.includes('nodejs_heap_size_used_bytes '));
  const names = [...m.text.matchAll(/^# TYPE (docent_\S+) (\w+)/gm)].map(([, name, type]) => ({ name: name!, type: type! }));
  assert.ok(names.length >= 12, names.map((n) => n.name).join());
  for (const { name, type } of names) {
    if (type === 'counter') assert.match(name, /_total$/, name);
    else assert.match(name, /_(seconds|messages|consumers|vectors|per_second)$/, name);
  }
});

test('a broker read made for a scrape is shared for its time to live, and a failed one is not kept', async () => {
  let now = 0;
  let reads = 0;
  let fail = false;
  const read = cachedRead(() => (reads++, fail ? Promise.reject(new Error('down')) : Promise.resolve(reads)), 1000, () => now);
  assert.equal(await read(), 1);
  now = 999;
  assert.equal(await read(), 1);
  now = 1000;
  fail = true;
  await assert.rejects(read(), /down/);
  fail = false;
  assert.equal(await read(), 3);
  assert.equal(reads, 3);
});
