/**
 * The answer service (web's answer client -> in-process bus -> worker handler) on the real
 * SmolLM2-135M-Instruct test model with one sequence:
 * - Stop: a long generation (maxTokens 2048) is cancelled after its first token; generation on the
 *   worker ends at once and the sequence is free, so the next question is answered.
 * - Determinism: the same seed and settings (temperature > 0) give the same answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerClient, type AnswerClient } from '../../src/asking/answer-client.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import { listenForCancels } from '../../src/answer/cancel-listener.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { QUEUES } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/contracts/settings.ts';
import { createLlamaChatModel } from '../../src/llm/llama-chat-model.ts';
import { logger } from '../../src/log.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { testModels } from '../support/test-models.ts';
import { retryPolicy } from '../support/retry-policy.ts';

const HIT: SearchHit = {
  chunkId: 'guide:0',
  documentId: 'guide',
  documentName: 'harbour-guide.pdf',
  page: 2,
  text: 'The lighthouse of Qorvath harbour is kept by Ilsabet Marrow. She has kept the light since 1987 and repaints the tower every spring.',
  start: 0,
  end: 130,
  score: 0.9,
};

/** What happened to each generate() call on the real model. */
interface Call {
  outcome: 'running' | 'done' | 'failed';
  endedAt: number;
}

let chat: ChatModel;
let bus: MessageBus;
let client: AnswerClient;
const calls: Call[] = [];
const log = logger('answer-service-test');

before(async () => {
  const model = await createLlamaChatModel({ modelPath: testModels().chat, threads: 1, contextSize: 4096, sequences: 1 });
  // Observe the real model's calls without changing them.
  chat = {
    name: model.name,
    contextSize: model.contextSize,
    sequences: model.sequences,
    countTokens: (t) => model.countTokens(t),
    close: () => model.close(),
    generate: async (messages, opts) => {
      const call: Call = { outcome: 'running', endedAt: 0 };
      calls.push(call);
      try {
        const g = await model.generate(messages, opts);
        call.outcome = 'done';
        return g;
      } catch (err) {
        call.outcome = 'failed';
        throw err;
      } finally {
        call.endedAt = Date.now();
      }
    },
  };
  bus = createMemoryMessageBus();
  const cancellations = new AnswerCancellations();
  await listenForCancels(bus, cancellations, log);
  const handler = createAnswerHandler({
    bus,
    events: createMemoryEventLog(),
    retriever: { search: () => Promise.resolve([HIT]) },
    chat,
    workerId: 'model-test',
    systemPrompt: undefined,
    cancellations,
    logger: log,
  });
  await bus.consume(QUEUES.answerRequests, handler, { prefetch: chat.sequences, retry: retryPolicy({ maxAttempts: 3 }) });
  client = await createAnswerClient({ bus, timeoutMs: 300_000, logger: log });
});

after(async () => {
  client?.close();
  await bus?.close();
  await chat?.close();
});

async function answer(question: string, settings: Partial<Settings>): Promise<AnswerReply[]> {
  const out: AnswerReply[] = [];
  for await (const r of (await client.ask({ question, settings: { ...DEFAULT_SETTINGS, ...settings } })).replies) out.push(r);
  return out;
}

test('Stop cancels a long generation on the worker and frees its only sequence', async () => {
  const stop = new AbortController();
  const handle = await client.ask(
    { question: 'Write a very long story about the lighthouse keeper, with many chapters.', settings: { ...DEFAULT_SETTINGS, temperature: 0, maxTokens: 2048 } },
    stop.signal,
  );
  for await (const r of handle.replies) {
    if (r.type === 'token') break; // generating
    assert.ok(r.type === 'sources' || r.type === 'reading', `unexpected ${JSON.stringify(r)}`);
  }
  stop.abort();
  const stoppedAt = Date.now();
  const deadline = stoppedAt + 30_000;
  while (calls[0]?.outcome === 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const first = calls[0];
  assert.ok(first, 'the long answer reached the model');
  // 2048 tokens take over a minute on this model; a generation that went on would still be running.
  assert.equal(first.outcome, 'failed', 'the generation was aborted, not completed');
  console.log(`# generation ended ${first.endedAt - stoppedAt} ms after Stop`);

  const t0 = Date.now();
  const next = await answer('Who keeps the lighthouse of Qorvath harbour?', { temperature: 0, maxTokens: 24, seed: 1 });
  const last = next.at(-1);
  assert.ok(last?.type === 'done', `the next question is answered: ${JSON.stringify(last)}`);
  console.log(`# next question answered in ${Date.now() - t0} ms: ${JSON.stringify(last.answer)}`);
});

test('the same seed and settings give the same answer (temperature 0.9)', async () => {
  const settings = { temperature: 0.9, topK: 60, topP: 0.95, maxTokens: 40, seed: 1234 };
  const a = await answer('Who keeps the lighthouse, and what does she do every spring?', settings);
  const b = await answer('Who keeps the lighthouse, and what does she do every spring?', settings);
  const [da, db] = [a.at(-1), b.at(-1)];
  assert.ok(da?.type === 'done' && db?.type === 'done', 'both answered');
  assert.ok(da.answer.length > 0);
  assert.equal(db.answer, da.answer);
  const c = await answer('Who keeps the lighthouse, and what does she do every spring?', { ...settings, seed: 99 });
  const dc = c.at(-1);
  assert.ok(dc?.type === 'done');
  assert.notEqual(dc.answer, da.answer, 'the seed decides the sampling');
  console.log(`# seed 1234 twice: ${JSON.stringify(da.answer)}; seed 99: ${JSON.stringify(dc.answer)}`);
});
