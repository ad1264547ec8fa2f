/**
 * The Quality part of analytics: the qa event says whether the answer refused, the best retrieval
 * similarity and which sources are cited; the store keeps them (schema 6, a version 5 file
 * migrated in place and filled from its rows) and reads knowledge gaps grouped by wording, citations
 * per document and the down-voted answers; the analytics process and its HTTP reader serve them;
 * the web's page and JSON add the documents never cited, escape what people and models wrote, and
 * are for admins only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { pino } from 'pino';
import type { Accounts } from '../../src/accounts/accounts.ts';
import { createHttpAnalyticsReader } from '../../src/analytics/http-reader.ts';
import { createLocalAnalyticsReader } from '../../src/analytics/local-reader.ts';
import { groupQuestions, type GapQuestion } from '../../src/analytics/question-groups.ts';
import { SCHEMA_VERSION } from '../../src/analytics/schema.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import { bestSimilarity } from '../../src/answer/answer-steps.ts';
import { NOT_FOUND_ANSWER } from '../../src/answer/prompt.ts';
import { qaEvent } from '../../src/answer/qa-event.ts';
import type { AnalyticsQuality } from '../../src/contracts/analytics-quality.ts';
import { qaEventSchema, type QaEvent, type VoteEvent } from '../../src/contracts/analytics.ts';
import { ANSWER_CONTRACT_VERSION, answerRequestSchema } from '../../src/contracts/answer.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import type { Source } from '../../src/contracts/source.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { analyticsUsers, NEUTRAL as neutral, qaFixture, servedAnalyticsStore, signInCookie, voteFixture, withMigratedStore } from '../support/analytics-fixtures.ts';
import { fakeDocument, FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { listen } from '../support/http-app.ts';

const NOW = Date.now();
const MIN = 60_000;
const src = (documentId: string, cited?: boolean, page: number | null = 1): QaEvent['sources'][number] => ({
  documentId,
  documentName: `${documentId}.pdf`,
  page,
  ...(cited === undefined ? {} : { cited }),
});

const qa = (n: number, over: Partial<QaEvent> = {}): QaEvent => qaFixture(n, { answer: `answer ${n} [1]`, refused: false, bestSimilarity: 0.8, at: NOW - n * MIN, ...over });
const down = (n: number, answerId: string, at: number, vote: 'up' | 'down' = 'down'): VoteEvent => voteFixture(`v-${n}`, answerId, vote, at);

/**
 * Gaps: a-1, a-2 (refused, password reset, worded two ways), a-3 (low similarity, VPN), a-4 (refund:
 * low similarity). Not gaps: a-5 (0.9), a-6 (similarity unknown, not refused). Citations: policy
 * cited by a-5, a-6, a-7; guide by a-5; a-7 is a week ago. Down-votes on a-5 and a-6 (a-6 later), an
 * up-vote on a-3.
 */
function fill(store: AnalyticsStore): void {
  store.recordQa(qa(1, { question: 'How do I reset my password?', answer: NOT_FOUND_ANSWER, refused: true, bestSimilarity: 0.7, sources: [src('guide', false)] }), neutral);
  store.recordQa(qa(2, { question: 'how to reset the password', answer: NOT_FOUND_ANSWER, refused: true, bestSimilarity: 0.65 }), neutral);
  store.recordQa(qa(3, { question: 'Which VPN client should I install?', bestSimilarity: 0.41, sources: [src('guide', false)] }), neutral);
  store.recordQa(qa(4, { question: 'What is the refund policy for damaged items?', bestSimilarity: 0.5 }), neutral);
  store.recordQa(qa(5, { question: 'What is the leave policy?', bestSimilarity: 0.9, sources: [src('policy', true, 3), src('guide', true, null), src('faq', false)] }), neutral);
  store.recordQa(qa(6, { question: '<script>alert(1)</script> holidays?', answer: 'Ten days <b>[1]</b>', bestSimilarity: null, sources: [src('policy', true, 4)], collections: ['hr'] }), neutral);
  store.recordQa(qa(7, { at: NOW - 3 * 86_400_000, sources: [src('policy', true)] }), neutral);
  store.recordVote(down(1, 'a-5', NOW - 2 * MIN));
  store.recordVote(down(2, 'a-6', NOW - MIN));
  store.recordVote(down(3, 'a-3', NOW, 'up'));
}

describe('the qa event carries what the quality view needs', () => {
  const req = answerRequestSchema.parse({ v: ANSWER_CONTRACT_VERSION, id: 'r', answerId: 'a', chatId: 'c', question: 'q', settings: DEFAULT_SETTINGS, requestedAt: 1, deadline: 2 });
  const source = (n: number, documentId: string, cited?: boolean): Source => ({ n, documentId, documentName: documentId, page: null, text: 't', score: 1, chunkId: `${documentId}#${n}`, ...(cited === undefined ? {} : { cited }) });
  const outcome = (answer: string, sources: Source[]) => ({ answer, sources, model: 'm', worker: 'w', timings: qa(1).timings, tokens: { prompt: 1, completion: 1 } });

  void test('refused, best similarity and cited round-trip through the schema and the store', () => {
    const checked = qaEventSchema.parse(qaEvent(req, outcome('Paris [2].', [source(1, 'x', false), source(2, 'y', true)]), 3, { bestSimilarity: 0.42 }));
    assert.equal(checked.refused, false);
    assert.equal(checked.bestSimilarity, 0.42);
    assert.deepEqual(checked.sources.map((s) => s.cited), [false, true]);
    // No citation check ran: the [n] markers say which are cited.
    const unchecked = qaEventSchema.parse(qaEvent(req, outcome('Paris [1].', [source(1, 'x'), source(2, 'y')]), 3, { bestSimilarity: null }));
    assert.deepEqual(unchecked.sources.map((s) => s.cited), [true, false]);
    assert.equal(unchecked.bestSimilarity, null);
    const refusal = qaEventSchema.parse(qaEvent(req, outcome("Sorry, the sources don't contain that.", [source(1, 'x')]), 3));
    assert.equal(refusal.refused, true);
    assert.equal('bestSimilarity' in refusal, false);
    // Older events (none of the fields) still parse.
    const { refused: _r, bestSimilarity: _b, ...old } = qa(1);
    assert.equal(qaEventSchema.safeParse(old).success, true);

    const store = openAnalyticsStore(':memory:');
    try {
      store.recordQa({ ...checked, at: NOW, question: 'low one' }, neutral);
      store.recordQa({ ...refusal, eventId: 'e2', answerId: 'a2', at: NOW, question: 'refused one' }, neutral);
      const q = store.quality('day', {}, NOW + MIN);
      assert.deepEqual(q.gaps.groups.map((g) => [g.example, g.refused, g.bestSimilarity]).sort(), [['low one', 0, 0.42], ['refused one', 1, null]]);
      assert.deepEqual(q.cited.map((d) => d.documentId), ['y'], 'only the cited source counts; the refusal cites nothing');
    } finally {
      store.close();
    }
  });

  void test('the best similarity is the highest cosine among the hits; none computed is null', () => {
    const hit = (similarity?: number): SearchHit => ({ documentId: 'd', documentName: 'd', page: null, text: 't', score: 0.1, chunkId: 'c', start: 0, end: 1, ...(similarity === undefined ? {} : { similarity }) });
    assert.equal(bestSimilarity([hit(0.3), hit(0.71), hit(0.5)]), 0.71);
    assert.equal(bestSimilarity([hit(), hit()]), null);
    assert.equal(bestSimilarity([]), null);
  });
});

describe('grouping gap questions by wording', () => {
  const q = (question: string, at: number): GapQuestion => ({ question, at, refused: true, similarity: null });
  void test('the same question in other words is one group; different questions stay apart', () => {
    const groups = groupQuestions([
      q('How do I reset my password?', 10),
      q('Where is the VPN client?', 9),
      q('how to reset the password', 8),
      q('Password reset steps?', 7),
      q('What is the refund policy?', 6),
      q('What is the shipping policy?', 5),
      q('VPN client download', 4),
      q('how do I reset my password', 3),
    ]);
    const sets = groups.map((g) => [g.example, ...g.variants].map((t) => t.toLowerCase()).sort());
    assert.equal(groups[0]!.count, 4, 'four password questions');
    assert.equal(groups[0]!.example, 'How do I reset my password?', 'the newest wording');
    assert.equal(groups[0]!.lastAt, 10);
    assert.ok(sets.some((s) => s.includes('where is the vpn client?') && s.includes('vpn client download')));
    assert.ok(!sets.some((s) => s.includes('what is the refund policy?') && s.includes('what is the shipping policy?')), 'refund and shipping share only "policy"');
    assert.equal(groups.length, 4);
  });

  void test('grouping stays linear when one word is in every question (pairs compared at 8x questions / at 1x)', () => {
    let seed = 12345;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    // Rarer words drawn from a vocabulary growing with n, so each is in about as many questions at
    // either size: only "acme" and "work" (in every question) change with n.
    const make = (n: number): GapQuestion[] =>
      Array.from({ length: n }, (_, i) => q(`Does Acme ${Array.from({ length: 4 }, () => `term${Math.floor(next() * 2 * n)}`).join(' ')} work?`, n - i));
    // The work counted, not timed: deterministic on a shared machine (timing varied 9-24x for the same code).
    const pairs = (n: number): number => {
      const work = { comparisons: 0 };
      groupQuestions(make(n), undefined, work);
      return work.comparisons;
    };
    const ratio = pairs(16_000) / pairs(2000);
    // Linear: about 8; comparing every pair sharing "acme" would be about 64.
    assert.ok(ratio < 12, `8x the questions compared ${ratio.toFixed(1)}x the pairs`);
  });
});

describe('the store reads quality', () => {
  let store: AnalyticsStore;
  before(() => {
    store = openAnalyticsStore(':memory:');
    fill(store);
  });
  after(() => store.close());

  void test('knowledge gaps: refused or below the threshold, grouped, with counts and the last time asked', () => {
    const q = store.quality('day', {}, NOW);
    assert.equal(q.gaps.questions, 4);
    assert.deepEqual(q.gaps.groups.map((g) => [g.example, g.count, g.refused]), [
      ['How do I reset my password?', 2, 2],
      ['Which VPN client should I install?', 1, 0],
      ['What is the refund policy for damaged items?', 1, 0],
    ]);
    assert.equal(q.gaps.groups[0]!.lastAt, NOW - MIN);
    assert.deepEqual(q.gaps.groups[0]!.variants, ['how to reset the password']);
    assert.equal(q.gaps.groups[0]!.bestSimilarity, 0.7);
    assert.equal(store.quality('day', { minSimilarity: 0.45 }, NOW).gaps.questions, 3, 'a lower threshold: the refund question is no gap');
    assert.equal(store.quality('hour', {}, NOW + 2 * 3_600_000).gaps.questions, 0);
  });

  void test('citations per document in the range, most first', () => {
    const day = store.quality('day', {}, NOW);
    assert.deepEqual(day.cited.map((d) => [d.documentId, d.documentName, d.citations]), [['policy', 'policy.pdf', 2], ['guide', 'guide.pdf', 1]]);
    assert.equal(day.cited[0]!.lastAt, NOW - 5 * MIN);
    assert.deepEqual(store.quality('week', {}, NOW).cited.map((d) => [d.documentId, d.citations]), [['policy', 3], ['guide', 1]]);
    assert.deepEqual(store.quality('day', {}, NOW, 'hr').cited.map((d) => d.documentId), ['policy'], 'one collection');
  });

  void test('down-voted answers with their sources, the latest down-vote first, paged', () => {
    const d = store.quality('day', {}, NOW).downvoted;
    assert.equal(d.total, 2);
    assert.deepEqual(d.answers.map((a) => a.answerId), ['a-6', 'a-5']);
    assert.deepEqual(d.answers[1]!.sources, [
      { documentId: 'policy', documentName: 'policy.pdf', page: 3, cited: true },
      { documentId: 'guide', documentName: 'guide.pdf', page: null, cited: true },
      { documentId: 'faq', documentName: 'faq.pdf', page: 1, cited: false },
    ]);
    assert.equal(d.answers[0]!.votedAt, NOW - MIN);
    assert.deepEqual(store.quality('day', { page: 2 }, NOW).downvoted.answers, []);
    assert.equal(store.quality('day', {}, NOW, 'hr').downvoted.total, 1);
  });

  void test('a version 5 file is migrated in place: refusals read from the answers, sources counted as cited', () => {
    const old = (e: QaEvent): QaEvent => {
      const { refused: _r, bestSimilarity: _b, ...rest } = e;
      return { ...rest, sources: rest.sources.map(({ cited: _c, ...s }) => s) };
    };
    withMigratedStore(
      {
        version: 5,
        seed: (first) => {
          first.recordQa(old(qa(1, { answer: NOT_FOUND_ANSWER, sources: [src('guide')] })), neutral);
          first.recordQa(old(qa(2, { sources: [src('policy'), src('policy', undefined, 2), src('faq')] })), neutral);
        },
        // Back to what a version 5 build wrote: no quality columns, no citations table.
        downgradeSql: 'DROP TABLE answer_citations; ALTER TABLE answers DROP COLUMN refused; ALTER TABLE answers DROP COLUMN best_similarity;',
      },
      (store5) => {
        assert.ok(SCHEMA_VERSION >= 6);
        const q = store5.quality('day', {}, NOW);
        assert.deepEqual(q.gaps.groups.map((g) => [g.example, g.refused, g.bestSimilarity]), [['question 1', 1, null]]);
        assert.deepEqual(q.cited.map((d) => [d.documentId, d.citations]), [['faq', 1], ['policy', 1]]);
        store5.recordQa(qa(3, { sources: [src('faq', true)] }), neutral);
        assert.deepEqual(store5.quality('day', {}, NOW).cited.map((d) => [d.documentId, d.citations]), [['faq', 2], ['policy', 1]]);
      },
    );
  });
});

describe('the analytics process serves quality', () => {
  const server = servedAnalyticsStore(fill);

  void test('the reader reads it over HTTP with the scope and threshold; bad values are a 400', async () => {
    const reader = createHttpAnalyticsReader(server.base);
    const q = await reader.quality('day', { minSimilarity: 0.45, page: 1 });
    assert.equal(q.gaps.questions, 3);
    assert.equal(q.downvoted.total, 2);
    assert.deepEqual((await reader.quality('day', {}, 'hr')).cited.map((d) => d.documentId), ['policy']);
    assert.equal((await fetch(`${server.base}/api/analytics/quality?minSimilarity=2`)).status, 400);
    assert.equal((await fetch(`${server.base}/api/analytics/quality?page=0`)).status, 400);
  });

  void test('an analytics service from before the quality view: a message saying to update it', async () => {
    const none = await listen(express());
    try {
      await assert.rejects(createHttpAnalyticsReader(none.base).quality('day', {}), /has no quality report; update it/);
    } finally {
      await none.close();
    }
  });
});

describe('the web Quality page and API (admins)', () => {
  let accounts: Accounts;
  let srv: TestServer;
  let store: AnalyticsStore;
  let admin: string;
  let member: string;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const signIn = (name: string, password: string) => signInCookie(srv.url, name, password);

  before(async () => {
    ({ accounts, adaToken: admin, bobToken: member } = await analyticsUsers());
    store = openAnalyticsStore(':memory:');
    fill(store);
    // A hostile gap question (refused), beside the hostile down-voted one of fill().
    store.recordQa(qa(8, { question: '<img src=x onerror=alert(2)> warranty?', answer: NOT_FOUND_ANSWER, refused: true }), neutral);
    const services = new FakeServices();
    services.analytics = createLocalAnalyticsReader(store);
    services.docs.push(
      fakeDocument({ id: 'policy', name: 'policy.pdf' }),
      fakeDocument({ id: 'guide', name: 'guide.pdf' }),
      fakeDocument({ id: 'old', name: 'Old <handbook>.pdf' }),
      fakeDocument({ id: 'new', name: 'pending.pdf', status: 'processing' }),
    );
    srv = await startTestServer({}, services, pino({ level: 'silent' }), accounts);
  });
  after(async () => {
    await srv.close();
    store.close();
    accounts.close();
  });

  void test('JSON: gaps, most cited, never cited (ready documents of the library), down-voted', async () => {
    const res = await fetch(`${srv.url}/api/analytics/quality?range=day`, bearer(admin));
    assert.equal(res.status, 200);
    const q = (await res.json()) as AnalyticsQuality;
    assert.equal(q.gaps.questions, 5);
    assert.deepEqual(q.mostCited.map((d) => d.documentId), ['policy', 'guide']);
    assert.deepEqual(q.neverCited, [{ documentId: 'old', documentName: 'Old <handbook>.pdf' }]);
    assert.deepEqual(q.downvoted.answers.map((a) => a.answerId), ['a-6', 'a-5']);
    assert.equal((await fetch(`${srv.url}/api/analytics/quality?range=day&minSimilarity=x`, bearer(admin))).status, 400);
  });

  void test('the page shows each list and escapes questions, answers and names', async () => {
    const res = await fetch(`${srv.url}/analytics/quality?range=day`, await signIn('Ada', 'ada-password'));
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /Knowledge gaps/);
    assert.match(page, /How do I reset my password\?/);
    assert.ok(!page.includes('<script>alert(1)</script>'), 'the hostile down-voted question is escaped');
    assert.ok(!page.includes('<img src=x'), 'the hostile gap question is escaped');
    assert.match(page, /&lt;img src=x onerror=alert\(2\)&gt; warranty\?/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt; holidays\?/);
    assert.match(page, /Ten days &lt;b&gt;\[1\]&lt;\/b&gt;/);
    assert.match(page, /Old &lt;handbook&gt;\.pdf/);
    assert.match(page, /policy\.pdf <span class="muted">page 3<\/span>/);
    assert.match(page, /href="\/analytics\/answers\/a-5"/);
    const overview = await (await fetch(`${srv.url}/analytics?range=day&collection=general`, await signIn('Ada', 'ada-password'))).text();
    assert.match(overview, /href="\/analytics\/quality\?range=day&amp;collection=general"/, 'the overview links to Quality, keeping the filter');
  });

  void test('members are refused (403), the page and the API', async () => {
    assert.equal((await fetch(`${srv.url}/api/analytics/quality?range=day`, bearer(member))).status, 403);
    assert.equal((await fetch(`${srv.url}/analytics/quality?range=day`, await signIn('bob', 'bob-password'))).status, 403);
  });
});
