/**
 * An answer whose replies can no longer be delivered (RabbitMQ away): the worker warns once, stops
 * generating at once instead of writing the whole answer for nobody, and throws a retryable error
 * so the bus hands the request back (it is redelivered once the broker is back). The handler is
 * called directly with a bus whose token replies fail, as `reply` does while the broker is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { AnswerCancellations } from '../../src/answer/answer-cancellations.ts';
import { createAnswerHandler } from '../../src/answer/answer-handler.ts';
import { ANSWER_CONTRACT_VERSION } from '../../src/contracts/answer.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { isRetryable, UnavailableError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import type { MessageBus } from '../../src/ports/message-bus.ts';
import { FAKE_SOURCE } from '../support/fake-services.ts';

test('token replies that cannot be delivered stop the answer with one warning and a retryable error', async () => {
  const PIECES = 2000;
  let generated = 0;
  let aborted = false;
  const chat: ChatModel = {
    name: 'endless',
    contextSize: 2048,
    sequences: 1,
    countTokens: (t: string) => Math.ceil(t.length / 4),
    async generate(_m, opts) {
      for (let i = 0; i < PIECES; i++) {
        if (opts.signal?.aborted) {
          aborted = true;
          throw new Error('aborted');
        }
        generated++;
        opts.onText?.('word ');
        await new Promise((r) => setTimeout(r, 2));
      }
      return { text: 'word '.repeat(PIECES), promptTokens: 5, completionTokens: PIECES, firstTokenMs: 1 };
    },
    close: () => Promise.resolve(),
  };
  const replies: string[] = [];
  // The broker went away after the sources: every later reply fails, after a short wait as the
  // adapter's reconnect wait would.
  const bus = {
    reply(_to: string, _id: string, body: { type: string }) {
      replies.push(body.type);
      if (body.type === 'sources') return Promise.resolve();
      return new Promise<void>((_r, reject) => setTimeout(() => reject(new UnavailableError('RabbitMQ is not connected')), 20));
    },
  } as unknown as MessageBus;
  // A logger that records warnings (the handler logs through a child per answer).
  const warnings: string[] = [];
  const log = {
    child: () => log,
    warn: (...args: unknown[]) => warnings.push(String(args.at(-1))),
    info: () => undefined,
    error: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  const handler = createAnswerHandler({
    bus,
    events: createMemoryEventLog(),
    retriever: { search: () => Promise.resolve([{ ...FAKE_SOURCE, start: 0, end: 10 }]) },
    chat,
    workerId: 'w1',
    systemPrompt: undefined,
    cancellations: new AnswerCancellations(),
    logger: log,
  });
  const now = Date.now();
  const body = {
    v: ANSWER_CONTRACT_VERSION,
    id: 'm1',
    answerId: 'a1',
    chatId: 'c1',
    question: 'Tell me everything.',
    settings: DEFAULT_SETTINGS,
    requestedAt: now,
    deadline: now + 60_000,
  };
  const thrown = await handler({ body, messageId: 'm1', correlationId: 'a1', replyTo: 'reply.x', attempt: 1, lastAttempt: false, redelivered: false }).then(
    () => undefined,
    (err: unknown) => err,
  );
  assert.ok(thrown instanceof Error && isRetryable(thrown), `a retryable error hands the request back, got ${String(thrown)}`);
  assert.ok(aborted, 'generation was aborted');
  assert.ok(generated < PIECES / 4, `generation stopped early (${generated} of ${PIECES} pieces)`);
  assert.equal(warnings.filter((w) => /token reply failed/.test(w)).length, 1, `one warning: ${JSON.stringify(warnings)}`);
  assert.ok(!replies.includes('done') && !replies.includes('error'), `no final reply tried: ${JSON.stringify(replies)}`);
});
