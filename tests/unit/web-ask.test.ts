/** POST /api/ask: validation, SSE framing, the collected JSON reply, busy and failure mapping, disconnects. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_QUESTION_CHARS: '50' });
});
after(async () => {
  await srv.close();
});

function ask(body: unknown, stream = false) {
  return fetch(srv.url + '/api/ask', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: stream ? 'text/event-stream' : 'application/json' },
    body: JSON.stringify(body),
  });
}

function parseSse(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? '';
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
      return { event, data: JSON.parse(data) as unknown };
    });
}

void describe('validation', () => {
  const cases: [string, unknown, RegExp, string][] = [
    ['empty question', { question: '  ' }, /question is empty/, 'question'],
    ['question too long', { question: 'x'.repeat(51) }, /too long: 51 characters, the limit is 50/, 'question'],
    ['temperature 3', { question: 'q', settings: { temperature: 3 } }, /^temperature must be between 0 and 2$/, 'temperature'],
    ['top_p 1.5', { question: 'q', settings: { topP: 1.5 } }, /^topP must be between 0 and 1$/, 'topP'],
    ['top_k 0', { question: 'q', settings: { topK: 0 } }, /^topK must be between 1 and 100$/, 'topK'],
    ['k 21', { question: 'q', settings: { k: 21 } }, /^k must be between 1 and 20$/, 'k'],
    ['maxTokens 2.5', { question: 'q', settings: { maxTokens: 2.5 } }, /^maxTokens must be a whole number$/, 'maxTokens'],
    ['unknown setting', { question: 'q', settings: { temp: 1 } }, /unknown setting "temp"/, 'settings'],
  ];
  for (const [name, body, message, field] of cases) {
    void test(`${name} -> 400 naming the field`, async () => {
      const res = await ask(body);
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: string; field: string };
      assert.match(json.error, message);
      assert.equal(json.field, field);
    });
  }

  void test('nothing reaches the answer service when input is bad', () => {
    assert.equal(srv.services.asked.length, 0);
  });
});

void describe('answers', () => {
  void test('SSE: sources, tokens, done, framed as event/data pairs, headers for streaming', async () => {
    const res = await ask({ question: 'When is the cat fed?', settings: { temperature: 0, seed: 1 } }, true);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const text = await res.text();
    assert.match(text, /^event: sources\ndata: \[/);
    const events = parseSse(text);
    assert.deepEqual(events.map((e) => e.event), ['sources', 'token', 'token', 'done']);
    assert.deepEqual(events[1]?.data, { text: 'At 6 ' });
    const done = events[3]?.data as Record<string, unknown>;
    assert.equal(done.answerId, 'answer-1');
    assert.equal(done.answer, 'At 6 pm [1].');
    assert.equal(done.worker, 'fake-worker');
    assert.deepEqual(Object.keys(done.timings as object).sort(), ['firstTokenMs', 'generationMs', 'queueWaitMs', 'retrievalMs', 'totalMs']);
    const asked = srv.services.asked.at(-1);
    assert.equal(asked?.settings.temperature, 0);
    assert.equal(asked?.settings.seed, 1);
    assert.equal(asked?.settings.topK, 40, 'defaults fill in missing settings');
  });

  void test('JSON: one collected reply', async () => {
    srv.services.chats.create({ id: 'c9', question: 'Earlier question', settings: srv.services.asked[0]!.settings });
    const res = await ask({ question: 'When?', chatId: 'c9' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.answer, 'At 6 pm [1].');
    assert.equal(body.chatId, 'c9');
    assert.equal((body.sources as unknown[]).length, 1);
    assert.equal(body.worker, 'fake-worker');
    assert.deepEqual(body.tokens, { prompt: 10, completion: 4 }, 'the token counts, for measuring prompt length');
  });

  void test('a reading reply: SSE `event: reading` between sources and the first token; JSON unchanged', async () => {
    const reading = { passages: 1, promptTokens: 420, estimateMs: 2900 };
    const withReading = (answerId: string): AnswerReply[] => {
      const [sources, ...rest] = scriptedReplies(answerId);
      return [sources!, { v: 1, answerId, type: 'reading', ...reading }, ...rest];
    };
    srv.services.replies = withReading;
    try {
      const events = parseSse(await (await ask({ question: 'When is the cat fed?' }, true)).text());
      assert.deepEqual(events.map((e) => e.event), ['sources', 'reading', 'token', 'token', 'done']);
      assert.deepEqual(events[1]?.data, reading);
      const json = (await (await ask({ question: 'When is the cat fed?' })).json()) as Record<string, unknown>;
      srv.services.replies = scriptedReplies;
      const plain = (await (await ask({ question: 'When is the cat fed?' })).json()) as Record<string, unknown>;
      assert.deepEqual({ ...json, chatId: '', answerId: '' }, { ...plain, chatId: '', answerId: '' }, 'the JSON reply does not change');
      assert.equal('reading' in json, false);
    } finally {
      srv.services.replies = scriptedReplies;
    }
  });

  void test('busy -> 503 with Retry-After', async () => {
    srv.services.busy = true;
    try {
      const res = await ask({ question: 'q' }, true);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '7');
      assert.match(((await res.json()) as { error: string }).error, /busy/);
    } finally {
      srv.services.busy = false;
    }
  });

  void test('an error reply: SSE error event; JSON 502, or 504 for a timeout', async () => {
    srv.services.replies = (answerId) => [{ v: 1, answerId, type: 'error', message: 'The model failed to load.', retryable: false }];
    const streamed = parseSse(await (await ask({ question: 'q' }, true)).text());
    assert.deepEqual(streamed, [{ event: 'error', data: { error: 'The model failed to load.' } }]);
    const res = await ask({ question: 'q' });
    assert.equal(res.status, 502);
    assert.deepEqual(await res.json(), { error: 'The model failed to load.' });
    srv.services.replies = (answerId) => [{ v: 1, answerId, type: 'error', message: 'No answer: timed out after 120 s.', retryable: true }];
    assert.equal((await ask({ question: 'q' })).status, 504);
  });

  void test('a stream that ends without done -> error event', async () => {
    srv.services.replies = (answerId) => [{ v: 1, answerId, type: 'token', seq: 0, text: 'half' }];
    const events = parseSse(await (await ask({ question: 'q' }, true)).text());
    assert.deepEqual(events.map((e) => e.event), ['token', 'error']);
  });

  void test('client disconnect aborts the answer and stops iterating', async () => {
    srv.services.replies = (answerId) =>
      Array.from({ length: 50 }, (_, i) => ({ v: 1 as const, answerId, type: 'token' as const, seq: i, text: `t${i} ` }));
    srv.services.replyDelayMs = 20;
    srv.services.cancelled = false;
    const before = srv.services.signals.length;
    try {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(srv.url + '/api/ask', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        });
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
        req.end(JSON.stringify({ question: 'q' }));
      });
      const signal = srv.services.signals[before];
      assert.ok(signal, 'the service got a signal');
      const deadline = Date.now() + 2000;
      while (!(signal.aborted && srv.services.cancelled) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(signal.aborted, true, 'signal aborted');
      assert.equal(srv.services.cancelled, true, 'reply iteration stopped early');
    } finally {
      srv.services.replyDelayMs = 0;
    }
  });
});
