/**
 * Docent's OpenAI-compatible API against `npm start` (every role in one process) with the small
 * real test models, driven by real clients: the official `openai` npm client (completions streamed
 * and not, embeddings as floats and base64 compared with the same embedding model loaded here, a
 * refused parameter) and LangChain's ChatOpenAI / OpenAIEmbeddings pointed at Docent's /v1. A
 * stream the client aborts is cancelled on the answer worker (its log says so) and the next
 * question is answered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { DocentEmbeddings } from 'docent/langchain';
import { startAllInOne, type AllInOne } from '../support/all-in-one.ts';
import { uploadText } from '../support/http-app.ts';
import { testModels } from '../support/test-models.ts';
import { waitFor } from '../support/wait.ts';

const FERRY = [
  'The Zephyrine ferry crosses the bay four times a day.',
  'Its quartermaster keeps the spare oars in locker nine, below the wheelhouse.',
  'Passengers may bring bicycles but not motorbikes.',
].join('\n\n');

interface DocentSource {
  index: number;
  document: string;
  text: string;
  score: number;
}

let service: AllInOne;
let client: OpenAI;
let baseURL: string;

async function waitReady(base: string, id: string): Promise<void> {
  const end = Date.now() + 120_000;
  let status = '';
  while (status !== 'ready' && Date.now() < end) {
    status = ((await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string }).status;
    if (status === 'failed') throw new Error(`document ${id} failed:\n${service.proc.output()}`);
    if (status !== 'ready') await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 'ready');
}

before(async () => {
  service = await startAllInOne('docent-openai-');
  baseURL = `${service.base}/v1`;
  await waitReady(service.base, (await uploadText(service.base, FERRY, 'ferry.txt')).id);
  client = new OpenAI({ baseURL, apiKey: 'docent-ignores-keys', maxRetries: 0 });
});

after(async () => {
  await service?.stop();
});

const question = [{ role: 'user' as const, content: 'Where are the spare oars of the Zephyrine ferry kept?' }];

test('openai client: models, a completion with sources and usage, the same answer streamed', async () => {
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === 'docent'));

  const done = await client.chat.completions.create({ model: 'docent', messages: question, temperature: 0, seed: 1, max_tokens: 48 });
  const message = done.choices[0]!.message as typeof done.choices[0]['message'] & { sources?: DocentSource[] };
  assert.ok((message.content ?? '').length > 0);
  assert.ok(message.sources && message.sources.length > 0, 'sources travel with the message');
  assert.equal(message.sources[0]!.document, 'ferry.txt');
  assert.ok(message.sources.some((s) => s.text.includes('locker nine')));
  assert.ok(done.usage!.prompt_tokens > 50, `the prompt holds the passages: ${done.usage!.prompt_tokens} tokens`);
  assert.ok(done.usage!.completion_tokens > 0 && done.usage!.completion_tokens <= 48);
  assert.equal(done.usage!.total_tokens, done.usage!.prompt_tokens + done.usage!.completion_tokens);

  const stream = await client.chat.completions.create({ model: 'docent', messages: question, temperature: 0, seed: 1, max_tokens: 48, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let chunks = 0;
  let usage: OpenAI.CompletionUsage | undefined;
  let sources: DocentSource[] | undefined;
  for await (const c of stream) {
    chunks++;
    text += c.choices[0]?.delta.content ?? '';
    usage ??= c.usage ?? undefined;
    sources ??= (c as typeof c & { sources?: DocentSource[] }).sources;
  }
  assert.ok(chunks > 3, `streamed in ${chunks} chunks`);
  assert.ok(text.trim().length > 0);
  // The same question over the same passages: the same prompt (the wording of the answer may vary).
  assert.equal(usage?.prompt_tokens, done.usage!.prompt_tokens);
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= 48);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.deepEqual(sources?.map((s) => s.text), message.sources.map((s) => s.text));
  console.log(`# openai: ${chunks} chunks, usage ${JSON.stringify(usage)}, answer ${JSON.stringify(text.slice(0, 100))}`);
});

test('openai client: an out-of-range temperature is a BadRequestError naming the parameter', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'docent', messages: question, temperature: 5 }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.param, 'temperature');
    assert.match(err.message, /temperature must be between 0 and 2/);
    return true;
  });
});

test('openai client: embeddings as floats and base64 match the embedding model within 1e-3', async () => {
  const texts = ['spare oars in locker nine', 'bicycles on the ferry'];
  const local = await DocentEmbeddings.fromModelDir(testModels().embed, { threads: 1 });
  try {
    const expected = await local.embedDocuments(texts);
    const floats = await client.embeddings.create({ model: 'docent', input: texts, encoding_format: 'float' });
    // The client asks for base64 by default and decodes it to floats itself.
    const decoded = await client.embeddings.create({ model: 'docent', input: texts });
    for (const res of [floats, decoded]) {
      assert.equal(res.data.length, 2);
      res.data.forEach((d, i) => {
        assert.equal(d.embedding.length, expected[i]!.length);
        d.embedding.forEach((x, j) => assert.ok(Math.abs(x - expected[i]![j]!) < 1e-3, `text ${i} dim ${j}: ${x} vs ${expected[i]![j]}`));
      });
      assert.ok(res.usage.prompt_tokens >= 8, `tokens counted: ${res.usage.prompt_tokens}`);
    }
  } finally {
    await local.close();
  }
});

test('LangChain ChatOpenAI and OpenAIEmbeddings pointed at Docent', async () => {
  const llm = new ChatOpenAI({ model: 'docent', apiKey: 'docent-ignores-keys', temperature: 0, maxTokens: 48, maxRetries: 0, configuration: { baseURL } });
  const reply = await llm.invoke([['system', 'Answer briefly.'], ['human', question[0]!.content]]);
  assert.equal(typeof reply.content, 'string');
  assert.ok((reply.content as string).length > 0);
  let streamed = '';
  for await (const c of await llm.stream(question[0]!.content)) streamed += typeof c.content === 'string' ? c.content : '';
  assert.ok(streamed.length > 0);

  const emb = new OpenAIEmbeddings({ model: 'docent', apiKey: 'docent-ignores-keys', maxRetries: 0, configuration: { baseURL } });
  const [a, b] = await emb.embedDocuments(['spare oars in locker nine', 'pruning roses in winter']);
  const q = await emb.embedQuery('where are the oars');
  const dot = (x: number[], y: number[]): number => x.reduce((s, v, i) => s + v * y[i]!, 0);
  assert.ok(dot(q, a!) > dot(q, b!), 'the oars passage is nearer the oars question');
});

test('a stream the client aborts is cancelled on the worker, and the next question is answered', async () => {
  const abort = new AbortController();
  const { data: stream, response } = await client.chat.completions
    .create(
      { model: 'docent', messages: [{ role: 'user', content: 'Tell me everything about the Zephyrine ferry, in great detail.' }], max_tokens: 1024, temperature: 1, stream: true },
      { signal: abort.signal },
    )
    .withResponse();
  const answerId = response.headers.get('docent-answer-id');
  assert.ok(answerId);
  let seen = 0;
  try {
    for await (const c of stream) {
      if ((c.choices[0]?.delta.content ?? '') !== '' && ++seen >= 2) abort.abort();
    }
  } catch (err) {
    assert.ok(abort.signal.aborted, `the stream ended by the abort: ${String(err)}`);
  }
  assert.ok(seen >= 2);
  // The worker's own log line for this answer: generation stopped, its sequence freed.
  await waitFor('the worker cancelled the answer', () => service.proc.output().split('\n').some((l) => l.includes(answerId) && l.includes('answer cancelled; generation stopped and its sequence freed')), 30_000);
  const next = await client.chat.completions.create({ model: 'docent', messages: question, max_tokens: 16 });
  assert.ok((next.choices[0]!.message.content ?? '').length > 0);
});
