/**
 * The analytics channel of a question (contracts/channel.ts): it rides on the answer request
 * (optional, so requests from before it still validate) into the qa event, and POST /api/ask from a
 * program says `api`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { answerRequestSchema, type AnswerRequest } from '../../src/contracts/answer.ts';
import { qaEventSchema } from '../../src/contracts/analytics.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { qaEvent, type AnswerOutcome } from '../../src/answer/qa-event.ts';
import { startTestServer, type TestServer } from '../support/fake-services.ts';

const request: AnswerRequest = { v: 1, id: 'm1', answerId: 'a1', chatId: 'c1', question: 'q', settings: DEFAULT_SETTINGS, requestedAt: 1, deadline: 2 };
const outcome: AnswerOutcome = { answer: 'x', sources: [], model: 'm', worker: 'w', tokens: { prompt: 1, completion: 1 }, timings: { queueWaitMs: 0, retrievalMs: 0, firstTokenMs: 0, generationMs: 0, totalMs: 0 } };

test('the channel travels from the answer request to the qa event; without one, neither carries it', () => {
  const withChannel = answerRequestSchema.parse({ ...request, channel: 'openai' });
  const event = qaEventSchema.parse(qaEvent(withChannel, outcome, 3));
  assert.equal(event.channel, 'openai');
  const old = qaEventSchema.parse(qaEvent(answerRequestSchema.parse(request), outcome, 3));
  assert.equal(Object.hasOwn(old, 'channel'), false);
  assert.equal(answerRequestSchema.safeParse({ ...request, channel: 'fax' }).success, false, 'an unknown channel is a malformed request');
});

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

test('POST /api/ask from a program (no browser headers) is channel api', async () => {
  const res = await fetch(srv.url + '/api/ask', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'When?' }) });
  assert.equal(res.status, 200);
  assert.equal(srv.services.asked.at(-1)?.channel, 'api');
});
