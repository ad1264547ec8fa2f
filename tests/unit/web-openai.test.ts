/**
 * The OpenAI-compatible API (/v1) over fake services: the model list, chat completions (the
 * request read into a Docent question with history and settings, the `chat.completion` and the
 * streamed chunk format, sources and usage), OpenAI's error shape for every refusal, busy and
 * per-client limits shared with POST /api/ask, cancellation on disconnect, embeddings (float and
 * base64), the cross-site guard, and the official `openai` client against it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { FAKE_SOURCE, scriptedReplies, startTestServer, type TestServer } from '../support/fake-services.ts';
import { hashEmbed } from '../support/fake-embedder.ts';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ MAX_QUESTION_CHARS: '200' });
});
after(async () => {
  await srv.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(srv.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer anything', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'docent', messages: [{ role: 'user', content: 'When does the library close?' }], ...extra });

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The `data:` payloads of an SSE body, in order ([DONE] kept as the string). */
function dataLines(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      assert.match(b, /^data: /, `every event is one data line: ${b}`);
      const d = b.slice(6);
      return d === '[DONE]' ? d : (JSON.parse(d) as unknown);
    });
}

void describe('GET /v1/models', () => {
  void test('lists docent and one docent:<name> per collection in the OpenAI list shape', async () => {
    const c = srv.services.collections.create({ name: 'Manuals', description: 'how-tos' });
    const res = await fetch(srv.url + '/v1/models');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { object: string; data: Array<Record<string, unknown>> };
    assert.equal(body.object, 'list');
    const ids = body.data.map((m) => m.id);
    assert.deepEqual(ids.slice(0, 1), ['docent']);
    assert.ok(ids.includes('docent:Manuals'), JSON.stringify(ids));
    for (const m of body.data) {
      assert.equal(m.object, 'model');
      assert.equal(m.owned_by, 'docent');
      assert.equal(typeof m.created, 'number');
    }
    const one = (await (await fetch(`${srv.url}/v1/models/docent:${c.id}`)).json()) as { id: string };
    assert.equal(one.id, 'docent:Manuals');
    const missing = await fetch(srv.url + '/v1/models/gpt-4o');
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as ErrorBody).error.code, 'model_not_found');
  });
});

void describe('POST /v1/chat/completions', () => {
  void test('answers a chat.completion with citations, sources and real usage; the question goes out with channel openai', async () => {
    const before = srv.services.asked.length;
    const res = await post('/v1/chat/completions', chat());
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      id: string;
      object: string;
      model: string;
      choices: Array<{ index: number; finish_reason: string; message: { role: string; content: string; sources: Array<Record<string, unknown>> } }>;
      usage: Record<string, number>;
    };
    assert.equal(body.object, 'chat.completion');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.model, 'docent');
    const [choice] = body.choices;
    assert.equal(choice?.message.role, 'assistant');
    assert.equal(choice?.message.content, 'At 6 pm [1].');
    assert.equal(choice?.finish_reason, 'stop');
    assert.deepEqual(choice?.message.sources, [
      { index: 1, document: FAKE_SOURCE.documentName, document_id: FAKE_SOURCE.documentId, page: FAKE_SOURCE.page, location: 'page 2', collection: null, collection_id: null, text: FAKE_SOURCE.text, score: FAKE_SOURCE.score },
    ]);
    assert.deepEqual(body.usage, { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
    const asked = srv.services.asked[before]!;
    assert.equal(asked.question, 'When does the library close?');
    assert.equal(asked.channel, 'openai');
    assert.deepEqual(asked.collections, []);
    assert.deepEqual(asked.history, []);
  });

  void test('earlier user/assistant messages are the history, system messages are ignored, parameters map to settings', async () => {
    const before = srv.services.asked.length;
    const c = srv.services.collections.create({ name: 'Rules' });
    const res = await post('/v1/chat/completions', {
      model: 'docent:Rules',
      messages: [
        { role: 'system', content: 'You are a pirate.' },
        { role: 'user', content: 'Who runs the library?' },
        { role: 'assistant', content: 'The city [1].' },
        { role: 'user', content: [{ type: 'text', text: 'And when ' }, { type: 'text', text: 'does it open?' }] },
        { role: 'assistant', content: 'At 9 [2].' },
        { role: 'user', content: 'And on Sundays?' },
      ],
      temperature: 0.5,
      top_p: 0.8,
      max_completion_tokens: 100,
      seed: 7,
      top_k: 5,
      k: 3,
      frequency_penalty: 0.4,
      presence_penalty: 0.2,
      stop: ['\n'],
      user: 'someone',
    });
    assert.equal(res.status, 200, await res.clone().text());
    const asked = srv.services.asked[before]!;
    assert.equal(asked.question, 'And on Sundays?');
    assert.deepEqual(asked.history, [
      { question: 'Who runs the library?', answer: 'The city [1].' },
      { question: 'And when does it open?', answer: 'At 9 [2].' },
    ]);
    assert.deepEqual(asked.collections, [c.id]);
    assert.deepEqual(asked.settings, { temperature: 0.5, topP: 0.8, maxTokens: 100, seed: 7, topK: 5, k: 3, repeatPenalty: 1.2 });
  });

  void test('streams chat.completion.chunk lines: role, tokens, finish with sources, usage when asked, [DONE]', async () => {
    const res = await post('/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = dataLines(await res.text());
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1) as Array<{ object: string; id: string; choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown; sources?: unknown[] }>;
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id for the whole stream');
    assert.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
    const text = chunks.flatMap((c) => c.choices.map((ch) => (ch.delta.content as string | undefined) ?? '')).join('');
    assert.equal(text, 'At 6 pm [1].');
    const finish = chunks.at(-2)!;
    assert.equal(finish.choices[0]!.finish_reason, 'stop');
    assert.equal(finish.sources?.length, 1);
    assert.equal(finish.usage, null);
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
  });

  void test('without include_usage the chunks carry no usage at all', async () => {
    const events = dataLines(await (await post('/v1/chat/completions', chat({ stream: true }))).text());
    for (const e of events.slice(0, -1)) assert.equal(Object.hasOwn(e as object, 'usage'), false);
    assert.equal(events.at(-1), '[DONE]');
  });

  void test('an answer that fails mid-stream ends with an OpenAI error event and no [DONE]', async () => {
    srv.services.replies = (answerId: string): AnswerReply[] => [
      scriptedReplies(answerId)[0]!,
      { v: 1, answerId, type: 'token', seq: 0, text: 'At ' },
      { v: 1, answerId, type: 'error', message: 'The model failed.', retryable: false },
    ];
    try {
      const events = dataLines(await (await post('/v1/chat/completions', chat({ stream: true }))).text());
      assert.deepEqual(events.at(-1), { error: { message: 'The model failed.', type: 'server_error', param: null, code: null } });
      assert.ok(!events.includes('[DONE]'));
    } finally {
      srv.services.replies = scriptedReplies;
    }
  });

  void test('a restart on another worker after text was streamed ends the stream with an error saying to ask again', async () => {
    srv.services.replies = (answerId: string): AnswerReply[] => {
      const [sources, t1, t2, done] = scriptedReplies(answerId);
      return [sources!, t1!, { ...(sources as Extract<AnswerReply, { type: 'sources' }>), attempt: 2 }, t2!, done!];
    };
    try {
      const events = dataLines(await (await post('/v1/chat/completions', chat({ stream: true }))).text());
      assert.match((events.at(-1) as ErrorBody).error.message, /started the answer again.*ask again/);
    } finally {
      srv.services.replies = scriptedReplies;
    }
  });

  const refusals: Array<[string, Record<string, unknown>, number, string | null, RegExp]> = [
    ['temperature 5', chat({ temperature: 5 }), 400, 'temperature', /temperature must be between 0 and 2/],
    ['top_p 1.5', chat({ top_p: 1.5 }), 400, 'top_p', /top_p must be between 0 and 1/],
    ['max_tokens 5000', chat({ max_tokens: 5000 }), 400, 'max_tokens', /max_tokens must be between 1 and 2048/],
    ['max_completion_tokens 1.5', chat({ max_completion_tokens: 1.5 }), 400, 'max_completion_tokens', /whole number/],
    ['top_k 0', chat({ top_k: 0 }), 400, 'top_k', /between 1 and 100/],
    ['k 21', chat({ k: 21 }), 400, 'k', /between 1 and 20/],
    ['seed -1', chat({ seed: -1 }), 400, 'seed', /seed must be a whole number/],
    ['negative frequency_penalty', chat({ frequency_penalty: -1 }), 400, 'frequency_penalty', /negative values.*not supported/],
    ['n 2', chat({ n: 2 }), 400, 'n', /n must be 1/],
    ['tools', chat({ tools: [{ type: 'function', function: { name: 'f' } }] }), 400, 'tools', /does not call tools/],
    ['functions', chat({ functions: [{ name: 'f' }] }), 400, 'functions', /does not call tools/],
    ['an image part', chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:' } }] }] }), 400, 'messages[0].content[1]', /"image_url" part.*text questions only/],
    ['a tool message', chat({ messages: [{ role: 'tool', content: 'x', tool_call_id: '1' }, { role: 'user', content: 'q' }] }), 400, 'messages[0].role', /does not call tools/],
    ['last message from the assistant', chat({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }), 400, 'messages', /last message.*user's question/],
    ['no messages', chat({ messages: [] }), 400, 'messages', /non-empty array/],
    ['question too long', chat({ messages: [{ role: 'user', content: 'x'.repeat(201) }] }), 400, 'messages', /too long: 201 characters, the limit is 200/],
    ['json mode', chat({ response_format: { type: 'json_object' } }), 400, 'response_format', /no JSON mode/],
    ['an unknown model', chat({ model: 'gpt-4o' }), 404, 'model', /"gpt-4o" does not exist.*"docent"/],
  ];
  for (const [name, body, status, param, message] of refusals) {
    void test(`${name} -> ${status} in OpenAI's error shape naming ${param}`, async () => {
      const before = srv.services.asked.length;
      const res = await post('/v1/chat/completions', body);
      assert.equal(res.status, status);
      const { error } = (await res.json()) as ErrorBody;
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
      assert.match(error.message, message);
      assert.equal(srv.services.asked.length, before, 'nothing was asked');
    });
  }

  void test('a long conversation (over the JSON limit of /api/ask) is accepted; its last turns are the history', async () => {
    const before = srv.services.asked.length;
    const long = 'y'.repeat(30_000);
    const messages = Array.from({ length: 10 }, (_, i) => [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: long }]).flat();
    const res = await post('/v1/chat/completions', chat({ messages: [...messages, { role: 'user', content: 'last?' }] }));
    assert.equal(res.status, 200, await res.clone().text());
    const asked = srv.services.asked[before]!;
    assert.deepEqual(asked.history?.map((t) => [t.question, t.answer.length]), [['q7', 2000], ['q8', 2000], ['q9', 2000]]);
  });

  void test('malformed JSON and a non-JSON body are refused in the same shape', async () => {
    const bad = await post('/v1/chat/completions', '{"model":');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as ErrorBody).error.message, /not valid JSON/);
    const form = await post('/v1/chat/completions', 'model=docent', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as ErrorBody).error.type, 'invalid_request_error');
  });

  void test('busy workers -> 503 + Retry-After in OpenAI error shape', async () => {
    srv.services.busy = true;
    try {
      const res = await post('/v1/chat/completions', chat());
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '7');
      const { error } = (await res.json()) as ErrorBody;
      assert.equal(error.type, 'server_error');
      assert.match(error.message, /busy/);
    } finally {
      srv.services.busy = false;
    }
  });

  void test('a cross-site browser request is refused; a program with a Bearer key passes', async () => {
    const res = await post('/v1/chat/completions', chat(), { Origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('docent-refused'), 'cross-site');
    assert.equal(((await res.json()) as ErrorBody).error.type, 'permission_error');
    assert.equal((await post('/v1/chat/completions', chat(), { Authorization: 'Bearer sk-whatever' })).status, 200);
  });

  void test('a client that disconnects mid-stream cancels the answer', async () => {
    srv.services.replyDelayMs = 150;
    srv.services.cancelled = false;
    const signals = srv.services.signals.length;
    try {
      const abort = new AbortController();
      const res = await fetch(srv.url + '/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(chat({ stream: true })), signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read(); // the role chunk
      abort.abort();
      const deadline = Date.now() + 5000;
      while (!srv.services.cancelled && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(srv.services.cancelled, true, 'the reply stream was closed');
      assert.equal(srv.services.signals[signals]?.aborted, true, 'the service saw the abort');
    } finally {
      srv.services.replyDelayMs = 0;
    }
  });
});

void describe('one per-client question limit across /api/ask and /v1', () => {
  void test('a client with its one question in flight on /api/ask gets 429 + Retry-After from /v1', async () => {
    const one = await startTestServer({ MAX_PENDING_QUESTIONS_PER_CLIENT: '1' });
    one.services.replyDelayMs = 300;
    try {
      const first = fetch(one.url + '/api/ask', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'q' }) });
      while (one.services.asked.length === 0) await new Promise((r) => setTimeout(r, 10));
      const res = await fetch(one.url + '/v1/chat/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(chat()) });
      assert.equal(res.status, 429);
      assert.ok(res.headers.get('retry-after'));
      const { error } = (await res.json()) as ErrorBody;
      assert.equal(error.type, 'rate_limit_error');
      assert.match(error.message, /MAX_PENDING_QUESTIONS_PER_CLIENT=1/);
      assert.equal((await first).status, 200);
    } finally {
      await one.close();
    }
  });
});

void describe('POST /v1/embeddings', () => {
  void test('floats and base64 (little-endian float32) of the same vectors, with usage', async () => {
    const input = ['opening hours', 'the city library'];
    const f = (await (await post('/v1/embeddings', { model: 'docent', input })).json()) as { object: string; model: string; data: Array<{ object: string; index: number; embedding: number[] }>; usage: Record<string, number> };
    assert.equal(f.object, 'list');
    assert.deepEqual(f.data.map((d) => [d.object, d.index]), [['embedding', 0], ['embedding', 1]]);
    assert.deepEqual(f.data[1]!.embedding, hashEmbed('the city library'));
    assert.deepEqual(f.usage, { prompt_tokens: 5, total_tokens: 5 });
    const b = (await (await post('/v1/embeddings', { model: srv.services.embedder.modelName, input: 'opening hours', encoding_format: 'base64' })).json()) as { data: Array<{ embedding: string }> };
    const buf = Buffer.from(b.data[0]!.embedding, 'base64');
    const decoded = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    assert.equal(decoded.length, 384);
    decoded.forEach((x, i) => assert.ok(Math.abs(x - f.data[0]!.embedding[i]!) < 1e-6));
  });

  const refusals: Array<[string, Record<string, unknown>, number, string]> = [
    ['too many inputs', { model: 'docent', input: Array.from({ length: 65 }, () => 'x') }, 400, 'input'],
    ['an input too long', { model: 'docent', input: ['ok', 'x'.repeat(8001)] }, 400, 'input[1]'],
    ['token arrays', { model: 'docent', input: [[1, 2, 3]] }, 400, 'input[0]'],
    ['an empty input', { model: 'docent', input: [] }, 400, 'input'],
    ['an unknown encoding', { model: 'docent', input: 'x', encoding_format: 'int8' }, 400, 'encoding_format'],
    ['other dimensions', { model: 'docent', input: 'x', dimensions: 64 }, 400, 'dimensions'],
    ['an unknown model', { model: 'text-embedding-3-small', input: 'x' }, 404, 'model'],
  ];
  for (const [name, body, status, param] of refusals) {
    void test(`${name} -> ${status} naming ${param}`, async () => {
      const res = await post('/v1/embeddings', body);
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as ErrorBody).error.param, param);
    });
  }
});

void describe('POST /v1/embeddings bounds', () => {
  void test('a full request (64 texts of 8000 characters) fits the body limit', async () => {
    const res = await post('/v1/embeddings', { model: 'docent', input: Array.from({ length: 64 }, (_, i) => `text ${i} ` + 'z'.repeat(7990)) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { data: unknown[] }).data.length, 64);
  });

  void test('a client with 2 embedding requests in flight gets 429 + Retry-After for a third', async () => {
    const embedder = srv.services.embedder;
    const original = embedder.embedDocuments.bind(embedder);
    let open = (): void => undefined;
    const gate = new Promise<void>((r) => (open = r));
    embedder.embedDocuments = async (texts: string[]) => {
      await gate;
      return original(texts);
    };
    try {
      const first = [post('/v1/embeddings', { model: 'docent', input: 'a' }), post('/v1/embeddings', { model: 'docent', input: 'b' })];
      await new Promise((r) => setTimeout(r, 100));
      const third = await post('/v1/embeddings', { model: 'docent', input: 'c' });
      assert.equal(third.status, 429);
      assert.equal(third.headers.get('retry-after'), '2');
      assert.equal(((await third.json()) as ErrorBody).error.type, 'rate_limit_error');
      open();
      for (const r of await Promise.all(first)) assert.equal(r.status, 200);
      assert.equal((await post('/v1/embeddings', { model: 'docent', input: 'd' })).status, 200, 'places are given back');
    } finally {
      embedder.embedDocuments = original;
      open();
    }
  });
});

void describe('the official openai client', () => {
  void test('creates completions streamed and not, and raises BadRequestError with the param', async () => {
    const client = new OpenAI({ baseURL: srv.url + '/v1', apiKey: 'not-checked', maxRetries: 0 });
    const done = await client.chat.completions.create({ model: 'docent', messages: [{ role: 'user', content: 'When?' }] });
    assert.equal(done.choices[0]?.message.content, 'At 6 pm [1].');
    assert.equal(done.usage?.total_tokens, 14);
    const stream = await client.chat.completions.create({ model: 'docent', messages: [{ role: 'user', content: 'When?' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      usage ??= c.usage ?? undefined;
    }
    assert.equal(text, 'At 6 pm [1].');
    assert.deepEqual(usage, { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 });
    await assert.rejects(client.chat.completions.create({ model: 'docent', messages: [{ role: 'user', content: 'q' }], temperature: 5 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.param, 'temperature');
      return true;
    });
    const emb = await client.embeddings.create({ model: 'docent', input: 'opening hours' });
    const expected = hashEmbed('opening hours');
    emb.data[0]!.embedding.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) < 1e-6));
  });
});
