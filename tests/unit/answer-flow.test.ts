/**
 * The answer path end to end over the in-process bus and event log: the web's answer client, the
 * worker's handler, a scripted chat model standing in for the LLM (the model tier uses the real one).
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerHandler, type AnswerHandlerDeps } from '../../src/answer/answer-handler.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { QUEUES, TOPICS } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { UnavailableError } from '../../src/errors.ts';
import { logger } from '../../src/log.ts';
import type { ChatModel, GenerateOptions } from '../../src/ports/chat-model.ts';
import type { EventLog, LogRecord } from '../../src/ports/event-log.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { retryPolicy } from '../support/retry-policy.ts';

const HIT: SearchHit = { chunkId: 'd:0', documentId: 'd', documentName: 'guide.pdf', page: 2, text: 'Ilsabet keeps the light.', start: 0, end: 24, score: 0.9 };

function scriptedChat(pieces: string[], fail?: Error): ChatModel & { calls: GenerateOptions[] } {
  const calls: GenerateOptions[] = [];
  return {
    name: 'scripted',
    contextSize: 2048,
    sequences: 1,
    calls,
    countTokens: (t) => Math.ceil(t.length / 4),
    async generate(_messages, opts) {
      calls.push(opts);
      if (fail) throw fail;
      for (const p of pieces) {
        opts.onText?.(p);
        await new Promise((r) => setTimeout(r, 1));
      }
      return { text: pieces.join(''), promptTokens: 10, completionTokens: pieces.length, firstTokenMs: 1 };
    },
    close: () => Promise.resolve(),
  };
}

let closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

async function setup(chat: ChatModel, opts: { timeoutMs?: number; maxLength?: number; noWorker?: boolean; embedder?: AnswerHandlerDeps['embedder'] } = {}) {
  const bus: MessageBus = createMemoryMessageBus({ answerQueueMaxLength: opts.maxLength ?? 100 });
  const events: EventLog = createMemoryEventLog();
  closers.push(() => bus.close(), () => events.close());
  const log = logger('test');
  if (!opts.noWorker) {
    const handler = createAnswerHandler({ bus, events, retriever: { search: () => Promise.resolve([HIT]) }, chat, embedder: opts.embedder, workerId: 'w1', systemPrompt: undefined, cancellations: new AnswerCancellations(), logger: log });
    await bus.consume(QUEUES.answerRequests, handler, { prefetch: 1, retry: retryPolicy({ maxAttempts: 2, backoff: { initialMs: 5, maxMs: 5 } }) });
  }
  const client = await createAnswerClient({ bus, timeoutMs: opts.timeoutMs ?? 5000, logger: log });
  return { bus, events, client };
}

async function collect(replies: AsyncIterable<AnswerReply>): Promise<AnswerReply[]> {
  const out: AnswerReply[] = [];
  for await (const r of replies) out.push(r);
  return out;
}

test('a question streams sources, tokens and done, and publishes the qa event', async () => {
  const chat = scriptedChat(['Ilsabet ', 'keeps ', 'it [1].']);
  const { events, client } = await setup(chat);
  const qa: LogRecord[] = [];
  await events.consume({ group: 'g', topics: [TOPICS.qa] }, (r) => {
    qa.push(r);
    return Promise.resolve();
  });
  const handle = await client.ask({ question: 'Who keeps the light?', settings: { ...DEFAULT_SETTINGS, temperature: 0.7, seed: 3 } });
  const replies = await collect(handle.replies);
  assert.equal(replies[0]?.type, 'sources');
  assert.equal(replies.at(-1)?.type, 'done');
  const text = replies.filter((r) => r.type === 'token').map((r) => (r.type === 'token' ? r.text : '')).join('');
  assert.equal(text, 'Ilsabet keeps it [1].');
  const done = replies.at(-1);
  assert.ok(done?.type === 'done');
  assert.equal(done.answer, 'Ilsabet keeps it [1].');
  assert.equal(done.sources[0]?.documentName, 'guide.pdf');
  assert.equal(done.worker, 'w1');
  assert.ok(done.timings.totalMs >= done.timings.generationMs);
  assert.equal(chat.calls[0]?.settings.temperature, 0.7, 'the chosen settings reach the model');
  assert.equal(chat.calls[0]?.settings.seed, 3);
  const deadline = Date.now() + 2000;
  while (qa.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(qa.length, 1);
  const event = JSON.parse(qa[0]!.value) as { answerId: string; chatId: string };
  assert.equal(event.answerId, handle.answerId);
  assert.equal(qa[0]!.key, handle.chatId, 'qa events are keyed by chat');
});

test('with an embedder, done carries the citation check; the first sources reply does not', async () => {
  // Stand-in vectors: the answer sentence and the passage point the same way (the rule with the real
  // embedder: tests/model/citation-support.test.ts).
  const embedder = { embedDocuments: (texts: string[]) => Promise.resolve(texts.map(() => [1, 0])) };
  const { client } = await setup(scriptedChat(['Ilsabet keeps the light [1]. ', 'Nobody else [4].']), { embedder });
  const replies = await collect((await client.ask({ question: 'Who keeps the light?', settings: DEFAULT_SETTINGS })).replies);
  const first = replies[0];
  assert.ok(first?.type === 'sources');
  assert.equal(first.sources[0]?.cited, undefined);
  const done = replies.at(-1);
  assert.ok(done?.type === 'done');
  assert.deepEqual(done.sources.map((s) => [s.cited, s.supported, s.support]), [[true, true, { start: 0, end: 24, score: 1 }]]);
  // Without an embedder the sources go out unchecked, as before.
  const plain = await setup(scriptedChat(['Ilsabet keeps the light [1].']));
  const unchecked = (await collect((await plain.client.ask({ question: 'Q?', settings: DEFAULT_SETTINGS })).replies)).at(-1);
  assert.ok(unchecked?.type === 'done');
  assert.equal(unchecked.sources[0]?.cited, undefined);
});

test('a failing model ends the stream with an error, never a hang', async () => {
  const { client } = await setup(scriptedChat([], new TypeError('model broke')));
  const replies = await collect((await client.ask({ question: 'Q?', settings: DEFAULT_SETTINGS })).replies);
  const last = replies.at(-1);
  assert.ok(last?.type === 'error');
  assert.match(last.message, /model broke/);
});

test('a passing model failure is tried again, and on the last attempt the asker is told', async () => {
  const chat = scriptedChat([], new UnavailableError('model still loading'));
  const { client, bus } = await setup(chat);
  const replies = await collect((await client.ask({ question: 'Q?', settings: DEFAULT_SETTINGS })).replies);
  assert.equal(chat.calls.length, 2, 'two attempts (retry policy maxAttempts 2)');
  const last = replies.at(-1);
  assert.ok(last?.type === 'error', `ends with an error: ${JSON.stringify(replies.map((r) => r.type))}`);
  assert.match(last.message, /model still loading/);
  assert.deepEqual(await bus.deadLetters(QUEUES.answerRequests, 10), [], 'told, so acknowledged, not dead-lettered');
});

test('with no worker, the stream ends with a timeout error', async () => {
  const { client } = await setup(scriptedChat([]), { timeoutMs: 100, noWorker: true });
  const replies = await collect((await client.ask({ question: 'Q?', settings: DEFAULT_SETTINGS })).replies);
  assert.equal(replies.length, 1);
  assert.ok(replies[0]?.type === 'error');
  assert.match(replies[0].message, /in time/);
});

test('a full request queue is refused as busy', async () => {
  const { client } = await setup(scriptedChat([]), { maxLength: 1, noWorker: true });
  await client.ask({ question: 'Q1', settings: DEFAULT_SETTINGS });
  await assert.rejects(client.ask({ question: 'Q2', settings: DEFAULT_SETTINGS }), (e: unknown) => e instanceof UnavailableError);
  client.close();
});

test('a malformed request is dead-lettered with its reason', async () => {
  const { bus } = await setup(scriptedChat([]));
  await bus.send(QUEUES.answerRequests, { v: 1, question: '' }, { replyTo: 'nowhere' });
  const deadline = Date.now() + 2000;
  let dead: Array<{ reason: string }> = [];
  while (dead.length === 0 && Date.now() < deadline) {
    dead = await bus.deadLetters(QUEUES.answerRequests, 10);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(dead.length, 1);
  assert.match(dead[0]!.reason, /malformed answer request/);
});
