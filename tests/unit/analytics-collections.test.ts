/**
 * Analytics by collection: the qa event contract with and without the collection fields (old events
 * still consumed), what the answer worker puts in them, and the store's filter "collection X" =
 * answers asked over X or citing X, with the votes on them. The filtered summary is checked against
 * a store that holds only those answers (same events): equal to the last digit for every range,
 * votes before answers and re-votes included. A version 2 store file is migrated in place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qaEvent } from '../../src/answer/qa-event.ts';
import { collectionsOfEvent } from '../../src/analytics/answer-collections.ts';
import { openAnalyticsStore, type AnalyticsStore, type BatchItem } from '../../src/analytics/store.ts';
import { ANSWER_CONTRACT_VERSION, type AnswerRequest } from '../../src/contracts/answer.ts';
import { qaEventSchema, type QaEvent, type VoteEvent } from '../../src/contracts/analytics.ts';
import { ANALYTICS_RANGES } from '../../src/contracts/analytics-summary.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { NEUTRAL as neutral, qaFixture, voteFixture, withMigratedStore } from '../support/analytics-fixtures.ts';

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

function qa(n: number, over: Partial<QaEvent> = {}): QaEvent {
  return qaFixture(n, {
    tokens: { prompt: 100, completion: 20 },
    timings: { queueWaitMs: n, retrievalMs: 10, firstTokenMs: 100, generationMs: 1000, totalMs: 1100 + n }, at: NOW - 60_000 - n, ...over,
  });
}
const src = (collectionId?: string) => ({ documentId: 'd', documentName: 'doc.txt', page: null, ...(collectionId ? { collectionId } : {}) });
const vote = (eventId: string, answerId: string, v: 'up' | 'down', at = NOW): VoteEvent => voteFixture(eventId, answerId, v, at);
const offset = (topic: string, i: number) => ({ topic, partition: 0, offset: String(i) });

void test('contract: an event from before collections is still valid; the new fields are checked when present', () => {
  const old = { ...qa(1), sources: [{ documentId: 'd', documentName: 'x.pdf', page: 3 }] };
  assert.equal(qaEventSchema.safeParse(old).success, true);
  assert.equal(qaEventSchema.parse(old).collections, undefined);
  const fresh = qaEventSchema.parse({ ...qa(2), collections: ['hr'], sources: [src('manuals'), src()] });
  assert.deepEqual(fresh.collections, ['hr']);
  assert.deepEqual(fresh.sources.map((s) => s.collectionId), ['manuals', undefined]);
  assert.equal(qaEventSchema.safeParse({ ...qa(3), collections: ['Not An Id'] }).success, false);
  assert.equal(qaEventSchema.safeParse({ ...qa(3), sources: [{ ...src(), collectionId: 'a|b' }] }).success, false);
});

void test('the answer worker records the collections asked over (none: all) and the collection of each cited passage', () => {
  const req: AnswerRequest = { v: ANSWER_CONTRACT_VERSION, id: 'r', answerId: 'a', chatId: 'c', question: 'q?', settings: DEFAULT_SETTINGS, collections: ['hr', 'manuals'], requestedAt: 1, deadline: 2 };
  const done = { answer: 'x', model: 'm', worker: 'w', timings: qa(1).timings, tokens: qa(1).tokens, sources: [{ ...src('manuals'), n: 1, text: 't', score: 1 }] } as unknown as Parameters<typeof qaEvent>[1];
  const e = qaEventSchema.parse(qaEvent(req, done, 5));
  assert.deepEqual(e.collections, ['hr', 'manuals']);
  // `cited` (analytics schema 6): the answer 'x' cites nothing.
  assert.deepEqual(e.sources, [{ ...src('manuals'), cited: false }]);
  const { collections: _, ...overAll } = req;
  assert.deepEqual(qaEvent(overAll, done, 5).collections, []);
  assert.deepEqual(collectionsOfEvent(e), [
    { id: 'hr', asked: true, cited: false },
    { id: 'manuals', asked: true, cited: true },
  ]);
});

void test('filter: asked over X, or asked over all and citing X; not asked over Y without citing X; votes follow their answer', () => {
  const store = openAnalyticsStore(':memory:');
  try {
    store.recordVote(vote('v-early', 'a-2', 'down'), undefined); // before its answer
    store.recordQa(qa(1, { collections: ['x'] }), neutral); // asked over X, cites nothing
    store.recordQa(qa(2, { sources: [src('x'), src('y')] }), neutral); // asked over all, cites X and Y
    store.recordQa(qa(3, { collections: ['y'], sources: [src('y')] }), neutral); // only Y
    store.recordQa(qa(4), neutral); // from before collections
    store.recordVote(vote('v1', 'a-1', 'up'));
    store.recordVote(vote('v3', 'a-3', 'up'));
    store.recordVote(vote('v2', 'a-2', 'up', NOW + 1)); // re-vote: down -> up
    const x = store.summary('day', NOW, 'x');
    assert.equal(x.collection, 'x');
    assert.equal(x.answers, 2);
    assert.deepEqual(x.votes, { up: 2, down: 0 });
    assert.deepEqual(x.recent.map((r) => r.answerId), ['a-1', 'a-2']);
    const y = store.summary('day', NOW, 'y');
    assert.equal(y.answers, 2);
    assert.deepEqual(y.votes, { up: 2, down: 0 });
    const all = store.summary('day', NOW);
    assert.equal(all.collection, null);
    assert.equal(all.answers, 4);
    assert.deepEqual(all.votes, { up: 3, down: 0 });
    assert.equal(store.summary('all', NOW, 'nowhere').answers, 0);
    assert.deepEqual(store.answers('day', 10, NOW, 'x').map((r) => [r.answerId, r.collections]), [['a-1', ['x']], ['a-2', ['x', 'y']]]);
    assert.deepEqual(store.answers('day', 10, NOW).find((r) => r.answerId === 'a-4')?.collections, []);
    assert.deepEqual(store.answer('a-3')?.collections, ['y']);
  } finally {
    store.close();
  }
});

/** Random answers over 9 days (a fifth in the last hour), in random collections, with votes (some before their answer, some re-votes). */
function history(n: number): BatchItem[] {
  let s = 7;
  const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const items: BatchItem[] = [];
  for (let i = 0; i < n; i++) {
    const asked = pick([[], [], ['x'], ['y'], ['x', 'y'], ['z']]);
    const sources = Array.from({ length: Math.floor(r() * 3) }, () => src(pick(['x', 'y', 'z', undefined])));
    const gen = 200 + r() * 5000;
    const event = qa(i, {
      collections: asked, sources, at: NOW - (Math.floor((r() * (r() < 0.2 ? DAY / 24 : 9 * DAY)) / 2000) * 2000 + i), // distinct times (i < 2000), a fifth in the last hour
      timings: { queueWaitMs: r() * 50, retrievalMs: r() * 80, firstTokenMs: 100 + r() * 900, generationMs: gen, totalMs: 1200 + gen },
    });
    const c = Math.round((r() * 2 - 1) * 100) / 100;
    const item: BatchItem = { kind: 'qa', event, scored: { question: { score: 0, comparative: -c / 2 }, answer: { score: 0, comparative: c } }, offset: offset('qa', i) };
    const votes: BatchItem[] = [];
    if (r() < 0.6) votes.push({ kind: 'vote', event: vote(`v-${i}`, event.answerId, r() < 0.5 ? 'up' : 'down', event.at + 1000), offset: offset('votes', 2 * i) });
    if (r() < 0.2) votes.push({ kind: 'vote', event: vote(`w-${i}`, event.answerId, r() < 0.5 ? 'up' : 'down', event.at + 2000), offset: offset('votes', 2 * i + 1) });
    // A third of the votes arrive before their answer.
    items.push(...(r() < 0.33 ? [...votes, item] : [item, ...votes]));
  }
  return items;
}

void test('a filtered summary equals the summary of a store holding only that collection\'s answers, for every range', () => {
  const items = history(1500);
  const full = openAnalyticsStore(':memory:');
  const stores: AnalyticsStore[] = [full];
  try {
    for (let i = 0; i < items.length; i += 200) full.applyBatch(items.slice(i, i + 200));
    for (const c of ['x', 'y', 'z']) {
      const ids = new Set(items.flatMap((it) => (it.kind === 'qa' && collectionsOfEvent(it.event).some((e) => e.id === c) ? [it.event.answerId] : [])));
      assert.ok(ids.size > 100 && ids.size < 1400, `${c}: ${ids.size} answers`);
      const only = openAnalyticsStore(':memory:');
      stores.push(only);
      only.applyBatch(items.filter((it) => it.kind !== 'offset' && ids.has(it.event.answerId)));
      for (const range of ANALYTICS_RANGES) {
        const filtered = full.summary(range, NOW, c);
        assert.deepEqual(filtered, { ...only.summary(range, NOW), collection: c }, `${c} ${range}`);
        assert.ok(filtered.answers > 0, `${c} ${range} has answers`);
      }
      const pages = [...full.answerPages('week', 50, NOW, c)].flat();
      assert.deepEqual(pages.map((p) => p.answerId), only.answers('week', 100_000, NOW).map((p) => p.answerId));
      assert.ok(pages.every((p) => p.collections?.includes(c)));
    }
  } finally {
    for (const s of stores) s.close();
  }
});

void test('a version 2 store file is migrated in place: its answers stay (under all collections), new ones carry their collections', () => {
  const seed = (v2: AnalyticsStore) => {
    v2.recordQa(qa(1), neutral);
    v2.recordVote(vote('v1', 'a-1', 'up'));
  };
  // Back to what version 2 wrote: no answer_collections table.
  withMigratedStore({ version: 2, seed, downgradeSql: 'DROP TABLE answer_collections' }, (store) => {
    assert.equal(store.summary('day', NOW).answers, 1);
    assert.deepEqual(store.summary('day', NOW).votes, { up: 1, down: 0 });
    assert.equal(store.summary('day', NOW, 'x').answers, 0);
    store.recordQa(qa(2, { collections: ['x'] }), neutral);
    store.recordVote(vote('v2', 'a-2', 'down'));
    assert.equal(store.summary('day', NOW, 'x').answers, 1);
    assert.deepEqual(store.summary('day', NOW, 'x').votes, { up: 0, down: 1 });
    assert.equal(store.summary('day', NOW).answers, 2);
  });
});
