/**
 * Docent from other tools with the roles apart on the real RabbitMQ and the small real models: a
 * web, an ingest worker and an answer worker, each its own process. The official `openai` client
 * (a completion with sources and usage, the same streamed, embeddings, a stream it aborts, which
 * the answer worker cancels before answering the next question) and the MCP SDK's client over
 * Streamable HTTP (the tools listed, a search, a grounded answer) reach the worker through the
 * queue, as the browser's questions do.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { brokerUrls } from '../support/brokers-env.ts';
import { deleteRabbitPrefix } from '../support/brokers.ts';
import { callTool, connectHttp, textOf } from '../support/mcp-clients.ts';
import { waitForOutput, startRolesApart, type RoleProcess } from '../support/processes.ts';

const GUIDE = 'Harbour guide.\n\nThe lighthouse of Qorvath harbour is kept by Ilsabet Marrow. Mooring at the east quay costs four crowns a night.';
const procs: RoleProcess[] = [];
let base: string;
let tmp: string;
let answer: RoleProcess;
const prefix = `t${randomBytes(4).toString('hex')}.`;

function fail(err: unknown): never {
  throw new Error(`${String(err)}\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`, { cause: err });
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-tools-'));
  ({ base, answer } = await startRolesApart({ tmp, amqpUrl: brokerUrls().amqpUrl, prefix, procs }));
  const form = new FormData();
  form.append('file', new Blob([GUIDE], { type: 'text/plain' }), 'harbour-guide.txt');
  const up = await fetch(`${base}/api/documents`, { method: 'POST', body: form });
  if (up.status !== 202) fail(`upload answered ${up.status}: ${await up.text()}`);
  const id = ((await up.json()) as { documents: Array<{ id: string }> }).documents[0]!.id;
  const end = Date.now() + 120_000;
  for (;;) {
    const d = (await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string };
    if (d.status === 'ready') break;
    if (d.status === 'failed' || Date.now() > end) fail(`document not indexed: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await fs.rm(tmp, { recursive: true, force: true });
  await deleteRabbitPrefix(prefix);
});

const question = [{ role: 'user' as const, content: 'Who keeps the lighthouse of Qorvath harbour?' }];

void test('the openai client over RabbitMQ: completion with sources and usage, streamed, embeddings, an aborted stream cancelled on the worker', async () => {
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  const done = await client.chat.completions.create({ model: 'docent', messages: question, temperature: 0, seed: 1, max_tokens: 32 });
  const message = done.choices[0]!.message as typeof done.choices[0]['message'] & { sources?: Array<{ document: string; text: string }> };
  assert.ok((message.content ?? '').length > 0, 'an answer');
  assert.equal(message.sources?.[0]?.document, 'harbour-guide.txt', 'its source travels with it');
  assert.ok(done.usage!.prompt_tokens > 30 && done.usage!.completion_tokens > 0);

  const stream = await client.chat.completions.create({ model: 'docent', messages: question, temperature: 0, seed: 1, max_tokens: 32, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    text += c.choices[0]?.delta?.content ?? '';
    usage = c.usage ?? usage;
  }
  // Not compared word for word with the first: a prompt the worker's KV cache already holds is
  // evaluated in other batches, and the greedy path may part after a few words.
  assert.match(text, /Ilsabet Marrow/, 'the answer, streamed');
  assert.ok(usage !== undefined && usage.completion_tokens > 0 && usage.prompt_tokens === done.usage!.prompt_tokens, `usage on the last chunk: ${JSON.stringify(usage)}`);

  const emb = await client.embeddings.create({ model: 'docent', input: ['lighthouse keeper', 'mooring fees'] });
  assert.equal(emb.data.length, 2);
  assert.equal(emb.data[0]!.embedding.length, 384);

  // A long answer the client leaves part-way: the worker stops it and answers the next question.
  const abort = new AbortController();
  const long = await client.chat.completions.create(
    { model: 'docent', messages: [{ role: 'user', content: 'Write a very long story about the Qorvath lighthouse keeper.' }], max_tokens: 1500, stream: true },
    { signal: abort.signal },
  );
  let seen = 0;
  try {
    for await (const c of long) {
      if ((c.choices[0]?.delta?.content ?? '') !== '' && ++seen >= 3) abort.abort();
    }
  } catch (err) {
    assert.ok(abort.signal.aborted, `the stream failed on its own: ${String(err)}`);
  }
  await waitForOutput(answer, 'answer cancelled', 30_000);
  const next = await client.chat.completions.create({ model: 'docent', messages: question, temperature: 0, seed: 1, max_tokens: 8 });
  assert.ok((next.choices[0]!.message.content ?? '').length > 0, 'the next question is answered');
});

void test('the MCP client over Streamable HTTP: tools, a search and a grounded answer through the queue', async () => {
  const client = await connectHttp(base);
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(tools, ['ask', 'list_documents', 'search_documents']);
    const found = await callTool(client, 'search_documents', { query: 'How much does mooring cost?', k: 1 });
    assert.ok(!found.isError, textOf(found));
    assert.match(textOf(found), /four crowns/);
    const asked = await callTool(client, 'ask', { question: 'Who keeps the lighthouse of Qorvath harbour?', settings: { temperature: 0, max_tokens: 24, seed: 1 } });
    assert.ok(!asked.isError, textOf(asked));
    const result = asked.structuredContent as { answer: string; sources: Array<{ documentName: string }> };
    assert.ok(result.answer.length > 0);
    assert.equal(result.sources[0]?.documentName, 'harbour-guide.txt');
  } finally {
    await client.close();
  }
});
