/**
 * Analytics by user: the asking user's internal id travels on the answer request into the qa event
 * (and the voter's on the vote event); the store keeps it (schema version 5, a version 4 file
 * migrated in place) and restricts the summary, recent answers and export to one user's answers and
 * their votes; the analytics process takes `?user=`, and its HTTP reader checks the filter held; the
 * web's analytics page and CSV export filter by user for admins, with a select of names from the
 * account store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { Accounts, User } from '../../src/accounts/accounts.ts';
import { createHttpAnalyticsReader } from '../../src/analytics/http-reader.ts';
import { createLocalAnalyticsReader } from '../../src/analytics/local-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { qaEvent } from '../../src/answer/qa-event.ts';
import { userScope } from '../../src/contracts/analytics-scope.ts';
import { qaEventSchema, voteEventSchema, type QaEvent } from '../../src/contracts/analytics.ts';
import { ANSWER_CONTRACT_VERSION, answerRequestSchema, type AnswerRequest } from '../../src/contracts/answer.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { analyticsUsers, NEUTRAL as neutral, qaFixture, servedAnalyticsStore, signInCookie, voteFixture as vote, withMigratedStore } from '../support/analytics-fixtures.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { retryPolicy } from '../support/retry-policy.ts';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createAnswerClient } from '../../src/asking/answer-client.ts';
import { QUEUES } from '../../src/contracts/names.ts';

const NOW = Date.now();
const MIN = 60_000;
const qa = (n: number, userId?: string, over: Partial<QaEvent> = {}): QaEvent => qaFixture(n, { at: NOW - n * MIN, ...(userId === undefined ? {} : { userId }), ...over });

/** u1 asked a-1..a-3 (one over the `manuals` collection), u2 a-4 and a-5, a-6 was asked with sign-in off. */
function fill(store: AnalyticsStore): void {
  store.recordQa(qa(1, 'u1', { collections: ['manuals'] }), neutral);
  store.recordQa(qa(2, 'u1', { channel: 'openai' }), neutral);
  store.recordQa(qa(3, 'u1'), neutral);
  store.recordQa(qa(4, 'u2'), neutral);
  store.recordQa(qa(5, 'u2'), neutral);
  store.recordQa(qa(6), neutral);
  store.recordVote(vote('v1', 'a-1', 'up', NOW, 'u1'));
  store.recordVote(vote('v2', 'a-2', 'up', NOW));
  store.recordVote(vote('v3', 'a-2', 'down', NOW + 1)); // a re-vote moves the user's numbers too
  store.recordVote(vote('v4', 'a-4', 'up', NOW));
}

describe('the contracts carry the user', () => {
  void test('answer request -> qa event; vote event; all optional', () => {
    const req: AnswerRequest = answerRequestSchema.parse({
      v: ANSWER_CONTRACT_VERSION, id: 'r', answerId: 'a', chatId: 'c', question: 'q', settings: DEFAULT_SETTINGS, userId: 'u-1', requestedAt: 1, deadline: 2,
    });
    const done = { answer: 'x', sources: [], model: 'm', worker: 'w', timings: qa(1).timings, tokens: { prompt: 1, completion: 1 } };
    assert.equal(qaEventSchema.parse(qaEvent(req, done, 3)).userId, 'u-1');
    const { userId: _u, ...anonymous } = req;
    assert.equal('userId' in qaEvent(anonymous, done, 3), false);
    assert.equal(voteEventSchema.parse(vote('v', 'a', 'up', 1, 'u-1')).userId, 'u-1');
    assert.equal(answerRequestSchema.safeParse({ ...req, userId: 'not an id!' }).success, false);
  });
});

describe('the answer client sends the user on the request', () => {
  void test('userId on the answer.requests message; none without one', async () => {
    const bus = createMemoryMessageBus({ answerQueueMaxLength: 10, logger: pino({ level: 'silent' }) });
    const seen: unknown[] = [];
    await bus.consume(QUEUES.answerRequests, (d) => (seen.push(d.body), Promise.resolve()), { prefetch: 10, retry: retryPolicy() });
    const client = await createAnswerClient({ bus, timeoutMs: 5000, logger: pino({ level: 'silent' }) });
    const stop = new AbortController();
    try {
      await client.ask({ question: 'q?', settings: DEFAULT_SETTINGS, userId: 'u-7' }, stop.signal);
      await client.ask({ question: 'q?', settings: DEFAULT_SETTINGS }, stop.signal);
      const deadline = Date.now() + 2000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(answerRequestSchema.parse(seen[0]).userId, 'u-7');
      assert.equal(Object.hasOwn(seen[1] as object, 'userId'), false);
    } finally {
      stop.abort();
      client.close();
      await bus.close();
    }
  });
});

describe('the store by user', () => {
  void test('summary, recent answers and export of one user, and the votes on their answers', () => {
    const store = openAnalyticsStore(':memory:');
    try {
      fill(store);
      const u1 = store.summary('day', NOW + MIN, userScope('u1'));
      assert.equal(u1.answers, 3);
      assert.deepEqual(u1.votes, { up: 1, down: 1 });
      assert.equal(u1.user, 'u1');
      assert.equal(u1.collection, null);
      assert.deepEqual(u1.recent.map((r) => r.answerId), ['a-1', 'a-2', 'a-3']);
      assert.deepEqual(u1.series.points.reduce((n, p) => n + p.answers, 0), 3);
      assert.equal(store.summary('day', NOW + MIN, userScope('u2')).answers, 2);
      assert.equal(store.summary('day', NOW + MIN, userScope('nobody')).answers, 0);
      assert.equal(store.summary('day', NOW + MIN).answers, 6, 'unfiltered: everyone');
      assert.equal(store.summary('day', NOW + MIN, 'manuals').answers, 1, 'the collection filter is unchanged');
      const rows = [...store.answerPages('day', 2, NOW + MIN, userScope('u1'))].flat();
      assert.deepEqual(rows.map((r) => [r.answerId, r.userId]), [['a-1', 'u1'], ['a-2', 'u1'], ['a-3', 'u1']]);
      assert.deepEqual(rows[0]!.collections, ['manuals'], 'the user is not listed as a collection');
      assert.equal(store.answer('a-6')!.userId, null);
    } finally {
      store.close();
    }
  });

  void test('a version 4 file is migrated in place: its answers stay (with no user) and new ones are filtered by user', () => {
    withMigratedStore({ version: 4, seed: (first) => first.recordQa(qa(1), neutral), downgradeSql: 'ALTER TABLE answers DROP COLUMN user_id' }, (store, file) => {
      const check = new Database(file, { readonly: true });
      assert.ok((check.pragma('table_info(answers)') as Array<{ name: string }>).some((c) => c.name === 'user_id'));
      check.close();
      store.recordQa(qa(2, 'u1'), neutral);
      assert.equal(store.summary('day', NOW + MIN).answers, 2);
      assert.equal(store.summary('day', NOW + MIN, userScope('u1')).answers, 1);
      assert.equal(store.answer('a-1')!.userId, null);
    });
  });
});

describe('the analytics process and its reader', () => {
  const server = servedAnalyticsStore(fill);

  void test('?user= filters; with ?collection= too it is a 400; the reader reads one user', async () => {
    const res = await fetch(`${server.base}/api/analytics/summary?range=day&user=u2`);
    assert.equal(((await res.json()) as { answers: number; user: string }).answers, 2);
    assert.equal((await fetch(`${server.base}/api/analytics/summary?range=day&user=u2&collection=manuals`)).status, 400);
    assert.equal((await fetch(`${server.base}/api/analytics/summary?range=day&user=${encodeURIComponent('no spaces')}`)).status, 400);
    const reader = createHttpAnalyticsReader(server.base);
    assert.equal((await reader.summary('day', userScope('u1'))).answers, 3);
    const rows: string[] = [];
    for await (const page of reader.exportAnswers('day', userScope('u1'))) rows.push(...page.map((r) => `${r.answerId} ${r.channel ?? '-'} ${r.userId ?? '-'}`));
    assert.deepEqual(rows, ['a-1 - u1', 'a-2 openai u1', 'a-3 - u1'], 'the rows carry the channel and the user');
    assert.deepEqual((await reader.answers('day', 10, userScope('u2'))).map((r) => r.answerId), ['a-4', 'a-5']);
  });
});

describe('the web filters analytics by user (admins)', () => {
  let accounts: Accounts;
  let srv: TestServer;
  let store: AnalyticsStore;
  let ada: User;
  let bob: User;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  let adaToken: string;
  let bobToken: string;

  before(async () => {
    ({ accounts, ada, bob, adaToken, bobToken } = await analyticsUsers());
    store = openAnalyticsStore(':memory:');
    for (let n = 1; n <= 3; n++) store.recordQa(qa(n, bob.id), neutral);
    store.recordQa(qa(4, ada.id, { channel: 'mcp' }), neutral);
    store.recordQa(qa(5), neutral); // sign-in off at the time: nobody
    const services = new FakeServices();
    services.analytics = createLocalAnalyticsReader(store);
    srv = await startTestServer({}, services, pino({ level: 'silent' }), accounts);
  });
  after(async () => {
    await srv.close();
    store.close();
    accounts.close();
  });

  void test('summary and CSV export of one user, by id or name', async () => {
    const summary = async (q: string) => (await (await fetch(`${srv.url}/api/analytics/summary?range=day${q}`, bearer(adaToken))).json()) as { answers: number; user?: string };
    assert.equal((await summary('')).answers, 5);
    assert.equal((await summary(`&user=${bob.id}`)).answers, 3);
    assert.equal((await summary('&user=BOB')).answers, 3, 'a name works too');
    assert.equal((await summary('&user=Ada')).answers, 1);
    const csv = await fetch(`${srv.url}/api/analytics/answers.csv?range=day&user=bob`, bearer(adaToken));
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /docent-answers-day-user-bob\.csv/);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines.length, 1 + 3, 'a header and bob\'s three answers');
    assert.ok(lines.slice(1).every((l) => /question [123]/.test(l)), lines.join('\n'));
  });

  void test('the CSV export has the channel and the asking user by name (empty for nobody)', async () => {
    const csv = await (await fetch(`${srv.url}/api/analytics/answers.csv?range=day`, bearer(adaToken))).text();
    const [header, ...rows] = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.ok(header!.endsWith(',collections,channel,user,flagged sources'), header);
    const byAnswer = new Map(rows.map((l) => [l.split(',')[1], l.split(',').slice(-3, -1).join(',')]));
    assert.deepEqual(Object.fromEntries(byAnswer), { 'a-1': 'web,bob', 'a-2': 'web,bob', 'a-3': 'web,bob', 'a-4': 'mcp,Ada', 'a-5': 'web,' });
  });

  void test('the page lists users by name in a select and keeps the filter in its links', async () => {
    const page = await (await fetch(`${srv.url}/analytics?range=day&user=${bob.id}`, await signInCookie(srv.url, 'Ada', 'ada-password'))).text();
    assert.match(page, /<select id="analytics-user" name="user">/);
    assert.match(page, new RegExp(`<option value="${ada.id}">Ada</option>`));
    assert.match(page, new RegExp(`<option value="${bob.id}" selected>bob</option>`));
    assert.match(page, /Answers bob asked/);
    assert.match(page, new RegExp(`href="/api/analytics/answers.csv\\?range=day&amp;user=${bob.id}"`));
  });

  void test('members cannot filter by user; unknown users and two filters are refused', async () => {
    assert.equal((await fetch(`${srv.url}/api/analytics/summary?range=day&user=Ada`, bearer(bobToken))).status, 403);
    assert.equal((await fetch(`${srv.url}/api/analytics/answers.csv?range=day&user=Ada`, bearer(bobToken))).status, 403);
    assert.equal((await fetch(`${srv.url}/api/analytics/summary?range=day&user=nobody`, bearer(adaToken))).status, 404);
    assert.equal((await fetch(`${srv.url}/api/analytics/summary?range=day&user=bob&collection=general`, bearer(adaToken))).status, 400);
  });
});
