// The analytics process's HTTP API and the web's two readers (over HTTP, and in-process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnalyticsHttpApp } from '../../src/analytics/http.ts';
import { createHttpAnalyticsReader, createLocalAnalyticsReader } from '../../src/analytics/http-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { EVENT_VERSION } from '../../src/contracts/analytics.ts';
import { analyticsSummarySchema } from '../../src/contracts/analytics-summary.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { AppError, UnavailableError } from '../../src/errors.ts';
import { parseConfig } from '../../src/config.ts';

function seededStore(): AnalyticsStore {
  const store = openAnalyticsStore(':memory:');
  store.recordQa(
    {
      v: EVENT_VERSION, eventId: 'qa-1', answerId: 'a-1', chatId: 'c-1', question: 'q?', answer: 'good answer',
      sources: [], settings: DEFAULT_SETTINGS, model: 'm', worker: 'w-1',
      timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 1000, totalMs: 1010 },
      tokens: { prompt: 10, completion: 30 }, at: Date.now() - 1000,
    },
    { question: { score: 0, comparative: 0 }, answer: { score: 3, comparative: 1.5 } },
  );
  store.recordVote({ v: EVENT_VERSION, eventId: 'v-1', answerId: 'a-1', vote: 'up', at: Date.now() });
  return store;
}

async function listen(app: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

void test('GET /api/analytics/summary returns the contract shape for each range', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store));
  try {
    for (const range of ['hour', 'day', 'week', 'all']) {
      const res = await fetch(`${srv.url}/api/analytics/summary?range=${range}`);
      assert.equal(res.status, 200);
      const body = analyticsSummarySchema.parse(await res.json());
      assert.equal(body.range, range);
      assert.equal(body.answers, 1);
      assert.equal(body.satisfaction, 1);
    }
    const dflt = analyticsSummarySchema.parse(await (await fetch(`${srv.url}/api/analytics/summary`)).json());
    assert.equal(dflt.range, 'day');
  } finally {
    await srv.close();
    store.close();
  }
});

void test('a bad range is a 400 with a message naming the allowed values', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store));
  try {
    for (const q of ['range=month', 'range=day&range=week', 'range=']) {
      const res = await fetch(`${srv.url}/api/analytics/summary?${q}`);
      assert.equal(res.status, 400, q);
      assert.deepEqual(await res.json(), { error: 'range must be one of hour, day, week, all' });
    }
  } finally {
    await srv.close();
    store.close();
  }
});

void test('healthz is ok while the store reads, 503 once it cannot; a store failure is a JSON 500', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store));
  try {
    assert.deepEqual(await (await fetch(`${srv.url}/healthz`)).json(), { status: 'ok' });
    store.close();
    const health = await fetch(`${srv.url}/healthz`);
    assert.equal(health.status, 503);
    const res = await fetch(`${srv.url}/api/analytics/summary?range=day`);
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { error: string }).error, /analytics store failed/);
  } finally {
    await srv.close();
  }
});

void test('the HTTP reader returns the validated summary', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store));
  try {
    const summary = await createHttpAnalyticsReader(`${srv.url}/`).summary('week');
    assert.equal(summary.range, 'week');
    assert.equal(summary.recent[0]?.answerId, 'a-1');
    assert.equal(summary.tokensPerSecond, 30);
  } finally {
    await srv.close();
    store.close();
  }
});

void test('a down analytics service is an UnavailableError naming the URL', async () => {
  // Listen, then close: the port is known and now refuses connections.
  const srv = await listen((_req, res) => res.end());
  await srv.close();
  const err = await createHttpAnalyticsReader(srv.url).summary('day').then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnavailableError, String(err));
  assert.equal(err.retryable, true);
  assert.match(err.message, new RegExp(`analytics service at ${srv.url} is unavailable: ECONNREFUSED`));
});

void test('a slow service times out as UnavailableError; 5xx is unavailable; a wrong shape is a contract error', async () => {
  const srv = await listen((req, res) => {
    if (req.url?.includes('range=hour')) return void setTimeout(() => res.end('{}'), 1000);
    if (req.url?.includes('range=day')) return void res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad gateway"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ range: 'week', answers: 'many' }));
  });
  try {
    // Only the slow request gets a short limit: on a busy machine 100 ms can pass before any answer.
    const impatient = createHttpAnalyticsReader(srv.url, { timeoutMs: 100 });
    await assert.rejects(impatient.summary('hour'), (e: unknown) => e instanceof UnavailableError && /no answer within 100 ms/.test(e.message));
    const reader = createHttpAnalyticsReader(srv.url);
    await assert.rejects(reader.summary('day'), (e: unknown) => e instanceof UnavailableError && /HTTP 502 \(bad gateway\)/.test(e.message));
    await assert.rejects(
      reader.summary('week'),
      (e: unknown) => e instanceof AppError && !(e instanceof UnavailableError) && !e.retryable && /unexpected summary: answers/.test(e.message),
    );
  } finally {
    await srv.close();
  }
});

void test('the local reader reads the store in-process and rejects (not throws) on failure', async () => {
  const store = seededStore();
  const reader = createLocalAnalyticsReader(store);
  assert.equal((await reader.summary('all')).answers, 1);
  store.close();
  await assert.rejects(reader.summary('all'));
});

void test('one answer and the answers list over HTTP: the reader validates them, 404 is undefined, bad limit is refused', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store));
  try {
    const reader = createHttpAnalyticsReader(srv.url);
    const one = await reader.answer('a-1');
    assert.equal(one?.answer, 'good answer');
    assert.equal(one?.vote, 'up');
    assert.deepEqual(one?.scores.answer, { score: 3, comparative: 1.5 });
    assert.equal(await reader.answer('missing'), undefined);
    const rows = await reader.answers('all', 5);
    assert.deepEqual(rows.map((r) => r.answerId), ['a-1']);
    assert.equal((await fetch(`${srv.url}/api/analytics/answers?range=all&limit=0`)).status, 400);
    const local = createLocalAnalyticsReader(store);
    assert.deepEqual(await local.answer('a-1'), one);
  } finally {
    await srv.close();
    store.close();
  }
});

void test('a Host not in ALLOWED_HOSTS gets 421 and no answers (DNS rebinding), the loopback names are served', async () => {
  const store = seededStore();
  const srv = await listen(createAnalyticsHttpApp(store, { allowedHosts: parseConfig({}).web.allowedHosts }));
  const port = Number(new URL(srv.url).port);
  const get = (host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/analytics/answers', headers: { host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  try {
    const foreign = await get(`attacker.example:${port}`);
    assert.equal(foreign.status, 421);
    assert.match(foreign.body, /ALLOWED_HOSTS/);
    assert.doesNotMatch(foreign.body, /good answer/);
    const own = await get(`localhost:${port}`);
    assert.equal(own.status, 200);
    assert.match(own.body, /good answer/);
  } finally {
    await srv.close();
    store.close();
  }
});

void test('&collection=<id> filters the summary, the list and the NDJSON export over HTTP; a bad id is a 400; a service that ignores it is refused', async () => {
  const store = seededStore();
  store.recordQa(
    {
      v: EVENT_VERSION, eventId: 'qa-2', answerId: 'a-2', chatId: 'c-1', question: 'hr?', answer: 'hr answer', collections: ['hr'],
      sources: [{ documentId: 'd', documentName: 'x', page: null, collectionId: 'hr' }], settings: DEFAULT_SETTINGS, model: 'm', worker: 'w-1',
      timings: { queueWaitMs: 1, retrievalMs: 2, firstTokenMs: 3, generationMs: 1000, totalMs: 1010 }, tokens: { prompt: 10, completion: 30 }, at: Date.now() - 500,
    },
    { question: { score: 0, comparative: 0 }, answer: { score: 0, comparative: 0 } },
  );
  const srv = await listen(createAnalyticsHttpApp(store));
  // An analytics service from before collections: the same answers, no filter, no collection fields.
  const old = await listen((req, res) => {
    const body = req.url?.startsWith('/api/analytics/summary') ? { ...store.summary('week'), collection: undefined } : { answers: store.answers('week', 10).map(({ collections: _, ...r }) => r) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  try {
    const reader = createHttpAnalyticsReader(srv.url);
    const hr = await reader.summary('week', 'hr');
    assert.deepEqual([hr.collection, hr.answers, hr.recent.map((r) => r.answerId)], ['hr', 1, ['a-2']]);
    assert.equal((await reader.summary('week')).answers, 2);
    assert.deepEqual((await reader.answers('week', 10, 'hr')).map((r) => [r.answerId, r.collections]), [['a-2', ['hr']]]);
    const rows = [];
    for await (const page of reader.exportAnswers('week', 'hr')) rows.push(...page);
    assert.deepEqual(rows.map((r) => r.answerId), ['a-2']);
    const bad = await fetch(`${srv.url}/api/analytics/summary?range=week&collection=${encodeURIComponent('Not/an id')}`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /collection must be one collection id/);

    const older = createHttpAnalyticsReader(old.url);
    assert.equal((await older.summary('week')).answers, 2, 'unfiltered reads still work against an older service');
    await assert.rejects(older.summary('week', 'hr'), (e: unknown) => e instanceof AppError && /cannot filter by collection/.test(e.message));
    await assert.rejects(older.answers('week', 10, 'hr'), /cannot filter by collection/);
  } finally {
    await old.close();
    await srv.close();
    store.close();
  }
});
