/**
 * Stopping answers over the in-process bus: a cancel from the web (Stop, tab closed) aborts the
 * generation on the worker and frees its one sequence; a cancel that arrives before the request is
 * picked up makes the worker skip it; a shutdown drain hands an unfinished answer back to the queue
 * and another worker answers it (a second `sources` with a higher attempt). The SSE route turns
 * that second `sources` into a `restart` event. A scripted chat model stands in for the LLM.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import { listenForCancels } from '../../src/answer/cancel-listener.ts';
import { drainBudgetMs } from '../../src/app/roles/answer-worker.ts';
import type { AnswerReply } from '../../src/contracts/answer.ts';
import { QUEUES } from '../../src/contracts/names.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { logger } from '../../src/log.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import type { MessageBus, Subscription } from '../../src/ports/message-bus.ts';
import { FAKE_SOURCE, FakeServices, startTestServer } from '../support/fake-services.ts';
import { retryPolicy } from '../support/retry-policy.ts';

/** Emits "w " every 5 ms until `pieces` are out or the signal aborts (then throws, as node-llama-cpp does). */
function slowChat(pieces: number): ChatModel & { started: number; aborted: number; running: number } {
  const chat = {
    name: 'slow',
    contextSize: 2048,
    sequences: 1,
    started: 0,
    aborted: 0,
    running: 0,
    countTokens: (t: string) => Math.ceil(t.length / 4),
    async generate(_m: unknown, opts: Parameters<ChatModel['generate']>[1]) {
      chat.started++;
      chat.running++;
      try {
        let text = '';
        for (let i = 0; i < pieces; i++) {
          if (opts.signal?.aborted) {
            chat.aborted++;
            throw new Error('aborted');
          }
          opts.onText?.('w ');
          text += 'w ';
          await new Promise((r) => setTimeout(r, 5));
        }
        return { text, promptTokens: 5, completionTokens: pieces, firstTokenMs: 1 };
      } finally {
        chat.running--;
      }
    },
    close: () => Promise.resolve(),
  };
  return chat;
}

let closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

const log = logger('test');

/** A worker as the role wires it; `heard` = a registry already listening for cancels. */
async function worker(bus: MessageBus, chat: ChatModel, workerId: string, heard?: AnswerCancellations): Promise<{ sub: Subscription; cancellations: AnswerCancellations }> {
  const cancellations = heard ?? new AnswerCancellations();
  const handler = createAnswerHandler({
    bus,
    events: createMemoryEventLog(),
    retriever: { search: () => Promise.resolve([{ ...FAKE_SOURCE, start: 0, end: 10 }]) },
    chat,
    workerId,
    systemPrompt: undefined,
    cancellations,
    logger: log,
  });
  if (!heard) {
    const cancels = await listenForCancels(bus, cancellations, log);
    closers.push(() => cancels.cancel());
  }
  const sub = await bus.consume(QUEUES.answerRequests, handler, { prefetch: 1, retry: retryPolicy({ maxAttempts: 3, backoff: { initialMs: 5, maxMs: 5 } }) });
  closers.push(() => sub.cancel());
  return { sub, cancellations };
}

function newBus(): MessageBus {
  const bus = createMemoryMessageBus();
  closers.push(() => bus.close());
  return bus;
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function all(replies: AsyncIterable<AnswerReply>): Promise<AnswerReply[]> {
  const out: AnswerReply[] = [];
  for await (const r of replies) out.push(r);
  return out;
}

test('a cancel from the asker stops generation on the worker and frees its sequence', async () => {
  const bus = newBus();
  const chat = slowChat(100_000);
  await worker(bus, chat, 'w1');
  const client = await createAnswerClient({ bus, timeoutMs: 60_000, logger: log });
  const stop = new AbortController();
  const handle = await client.ask({ question: 'Tell me everything.', settings: DEFAULT_SETTINGS }, stop.signal);
  const seen: AnswerReply[] = [];
  for await (const r of handle.replies) {
    seen.push(r);
    if (r.type === 'token') break; // generation is under way
  }
  stop.abort();
  await until('generation aborted', () => chat.aborted === 1 && chat.running === 0);
  assert.equal(client.inFlight, 0);

  // The single sequence is free again: the next question is answered in full.
  const short = slowChat(3);
  Object.assign(chat, { generate: short.generate.bind(short) });
  const next = await all((await client.ask({ question: 'And now?', settings: DEFAULT_SETTINGS })).replies);
  assert.equal(next.at(-1)?.type, 'done', JSON.stringify(next.at(-1)));
});

test('a request cancelled while still queued is skipped by the worker that picks it up', async () => {
  const bus = newBus();
  const chat = slowChat(3);
  const cancellations = new AnswerCancellations();
  const cancels = await listenForCancels(bus, cancellations, log);
  closers.push(() => cancels.cancel());
  const client = await createAnswerClient({ bus, timeoutMs: 60_000, logger: log });
  const stop = new AbortController();
  await client.ask({ question: 'Never mind.', settings: DEFAULT_SETTINGS }, stop.signal);
  stop.abort();
  // The cancel reached the worker's registry before any worker consumed the request.
  await until('cancel remembered', () => cancellations.remembered === 1);

  // Now the worker that heard the cancel consumes the queue: it never generates for nobody.
  const w = await worker(bus, chat, 'w1', cancellations);
  const done = await all((await client.ask({ question: 'Real one', settings: DEFAULT_SETTINGS })).replies);
  assert.equal(done.at(-1)?.type, 'done');
  assert.equal(chat.started, 1, 'only the live question was generated');
  assert.equal(w.cancellations.inFlight, 0);
  assert.equal(cancellations.remembered, 0, 'the skipped request used up its cancel');
});

test('a shutdown drain hands an unfinished answer to another worker; the asker sees a restart and the answer', async () => {
  const bus = newBus();
  const slow = slowChat(100_000);
  const a = await worker(bus, slow, 'worker-a');
  const client = await createAnswerClient({ bus, timeoutMs: 60_000, logger: log });
  const handle = await client.ask({ question: 'Long one', settings: DEFAULT_SETTINGS });
  const seen: AnswerReply[] = [];
  const iter = handle.replies[Symbol.asyncIterator]();
  for (;;) {
    const r = await iter.next();
    assert.ok(!r.done);
    seen.push(r.value);
    if (r.value.type === 'token') break;
  }
  await worker(bus, slowChat(4), 'worker-b');
  // What the role does when the drain budget is spent: abort, then the consumer's cancel resolves.
  assert.equal(a.cancellations.abortAll('shutdown'), 1);
  await a.sub.cancel();
  for (;;) {
    const r = await iter.next();
    if (r.done) break;
    seen.push(r.value);
  }
  const sources = seen.filter((r) => r.type === 'sources');
  assert.deepEqual(sources.map((s) => [s.attempt, s.worker]), [[1, 'worker-a'], [2, 'worker-b']]);
  const last = seen.at(-1);
  assert.ok(last?.type === 'done', JSON.stringify(last));
  assert.equal(last.worker, 'worker-b');
  assert.equal(last.answer, 'w w w w');
});

test('the drain budget leaves room to close the model and connections', () => {
  assert.equal(drainBudgetMs(15_000), 12_000);
  assert.equal(drainBudgetMs(1000), 500);
});

test('the SSE stream announces a restart when another worker starts the answer again', async () => {
  const services = new FakeServices();
  const base = { v: 1 as const, answerId: 'x' };
  services.replies = () => [
    { ...base, type: 'sources', attempt: 1, worker: 'a', sources: [FAKE_SOURCE] },
    { ...base, type: 'token', seq: 0, text: 'half an ans' },
    { ...base, type: 'sources', attempt: 2, worker: 'b', sources: [FAKE_SOURCE] },
    { ...base, type: 'token', seq: 0, text: 'The answer.' },
    { ...base, type: 'done', answer: 'The answer.', sources: [FAKE_SOURCE], worker: 'b', model: 'm', tokens: { prompt: 1, completion: 2 }, timings: { queueWaitMs: 0, retrievalMs: 0, firstTokenMs: 1, generationMs: 1, totalMs: 2 } },
  ];
  const srv = await startTestServer({}, services);
  closers.push(() => srv.close());
  const res = await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ question: 'q' }) });
  const text = await res.text();
  const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(events.map((e) => e[0]), ['sources', 'token', 'restart', 'sources', 'token', 'done']);
  assert.deepEqual(JSON.parse(events[2]![1]!), { attempt: 2, worker: 'b' });

  // The JSON path waits for the final answer and returns only that.
  const json = (await (await fetch(`${srv.url}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'q' }) })).json()) as { answer: string; worker: string };
  assert.equal(json.answer, 'The answer.');
  assert.equal(json.worker, 'b');
});
