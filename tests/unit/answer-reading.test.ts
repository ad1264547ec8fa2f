/**
 * The `reading` reply over the in-process bus: between `sources` and the first `token`, it names
 * the passages and prompt tokens the model reads, and the time to the first token once this worker
 * measured its prefill speed on an earlier answer. A reply type the web does not know is skipped.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { QUEUES } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { logger } from '../../src/log.ts';
import type { ChatModel, Generation } from '../../src/ports/chat-model.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { retryPolicy } from '../support/retry-policy.ts';

const hit = (i: number): SearchHit => ({
  chunkId: `d:${i}`,
  documentId: 'd',
  documentName: 'guide.pdf',
  page: i + 1,
  text: `Passage ${i} about the lighthouse keeper.`,
  start: i * 100,
  end: i * 100 + 40,
  score: 0.9 - i * 0.01,
});

/** A model that reports its prompt's size, then a first token after `firstTokenMs` of "prefill". */
function measuredChat(run: { promptTokens: number; firstTokenMs: number }): ChatModel {
  return {
    name: 'scripted',
    contextSize: 4096,
    sequences: 1,
    countTokens: (t) => Math.ceil(t.length / 4),
    async generate(_messages, opts): Promise<Generation> {
      opts.onPrompt?.(run.promptTokens);
      await new Promise((r) => setTimeout(r, 5));
      opts.onText?.('The keeper [1].');
      return { text: 'The keeper [1].', promptTokens: run.promptTokens, completionTokens: 4, firstTokenMs: run.firstTokenMs };
    },
    close: () => Promise.resolve(),
  };
}

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

async function setup(chat: ChatModel, hits: SearchHit[]) {
  const bus: MessageBus = createMemoryMessageBus({ answerQueueMaxLength: 100 });
  const events = createMemoryEventLog();
  closers.push(() => bus.close(), () => events.close());
  const log = logger('test');
  const handler = createAnswerHandler({ bus, events, retriever: { search: () => Promise.resolve(hits) }, chat, workerId: 'w1', systemPrompt: undefined, cancellations: new AnswerCancellations(), logger: log });
  await bus.consume(QUEUES.answerRequests, handler, { prefetch: 1, retry: retryPolicy({ maxAttempts: 2, backoff: { initialMs: 5, maxMs: 5 } }) });
  const client = await createAnswerClient({ bus, timeoutMs: 5000, logger: log });
  return { bus, client };
}

async function askOnce(client: Awaited<ReturnType<typeof setup>>['client']): Promise<AnswerReply[]> {
  const handle = await client.ask({ question: 'Who keeps the light?', settings: DEFAULT_SETTINGS });
  const out: AnswerReply[] = [];
  for await (const r of handle.replies) out.push(r);
  return out;
}

test('reading comes between sources and the first token; its estimate follows the measured prefill speed', async () => {
  const run = { promptTokens: 600, firstTokenMs: 1200 }; // 0.5 tokens per ms
  const { client } = await setup(measuredChat(run), [hit(0), hit(1), hit(2), hit(3)]);

  const first = await askOnce(client);
  assert.deepEqual(first.map((r) => r.type), ['sources', 'reading', 'token', 'done']);
  const sources = first[0]?.type === 'sources' ? first[0].sources : [];
  const reading1 = first[1];
  assert.ok(reading1?.type === 'reading');
  assert.equal(reading1.passages, sources.length);
  assert.equal(reading1.passages, 4);
  assert.equal(reading1.promptTokens, 600);
  assert.equal(reading1.estimateMs, null, 'no estimate before this worker measured a prefill');

  run.promptTokens = 300;
  const second = await askOnce(client);
  assert.deepEqual(second.map((r) => r.type), ['sources', 'reading', 'token', 'done']);
  assert.ok(second[1]?.type === 'reading');
  assert.equal(second[1].promptTokens, 300);
  assert.equal(second[1].estimateMs, 600, '300 tokens at the measured 0.5 tokens/ms');

  // A slower prefill moves the estimate towards it (a moving average, not the first figure forever).
  run.firstTokenMs = 3000; // 0.1 tokens per ms for 300 tokens
  await askOnce(client);
  const fourth = await askOnce(client);
  assert.ok(fourth[1]?.type === 'reading');
  const estimate = fourth[1].estimateMs ?? 0;
  assert.ok(estimate > 600 && estimate < 3000, `estimate ${estimate} ms lies between the old and the new speed`);
});

test('a model that does not report its prompt sends no reading; the answer is unchanged', async () => {
  const chat = measuredChat({ promptTokens: 100, firstTokenMs: 100 });
  const silent: ChatModel = { ...chat, generate: (m, opts) => chat.generate(m, { ...opts, onPrompt: undefined }) };
  const { client } = await setup(silent, [hit(0)]);
  assert.deepEqual((await askOnce(client)).map((r) => r.type), ['sources', 'token', 'done']);
});

test('the web skips a reply type it does not know (a newer worker) and still finishes the answer', async () => {
  const { bus, client } = await setup(measuredChat({ promptTokens: 100, firstTokenMs: 100 }), [hit(0)]);
  const reply = bus.reply.bind(bus);
  // The worker sends one more, newer reply type before each of its replies.
  bus.reply = async (to, correlationId, body) => {
    await reply(to, correlationId, { v: 1, answerId: correlationId, type: 'thinking-harder', note: 'from the future' });
    return reply(to, correlationId, body);
  };
  const replies = await askOnce(client);
  assert.deepEqual(replies.map((r) => r.type), ['sources', 'reading', 'token', 'done']);
});
