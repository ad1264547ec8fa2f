/**
 * The analytics page shows "answers with a flagged source" (count and share) from a real store,
 * under the page's filters (period, collection, user), and the CSV export ends with the
 * `flagged sources` column; an analytics service too old to count them shows no such figure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Accounts, User } from '../../src/accounts/accounts.ts';
import { createLocalAnalyticsReader } from '../../src/analytics/local-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import type { QaEvent } from '../../src/contracts/analytics.ts';
import { analyticsUsers, NEUTRAL as neutral, qaFixture, signInCookie } from '../support/analytics-fixtures.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const NOW = Date.now();
const MIN = 60_000;

const sources = (flagged: number, plain = 1): QaEvent['sources'] => [
  ...Array.from({ length: plain }, (_, i) => ({ documentId: `ok-${i}`, documentName: 'guide.pdf', page: 1 })),
  ...Array.from({ length: flagged }, (_, i) => ({ documentId: `bad-${i}`, documentName: 'evil.txt', page: null, flagged: true })),
];

describe('the analytics page counts answers with a flagged source', () => {
  let accounts: Accounts;
  let srv: TestServer;
  let store: AnalyticsStore;
  let bob: User;
  let manuals: string;
  const page = async (query: string, headers: Record<string, string> = {}): Promise<string> => {
    const res = await fetch(`${srv.url}/analytics?${query}`, { headers });
    assert.equal(res.status, 200);
    return res.text();
  };
  /** The figure's value ("1 (25%)"), or undefined when the page does not show it. */
  const figure = (html: string): string | undefined =>
    /<div class="stat-value">([^<]*)<\/div><div class="stat-label">Answers with a flagged source<\/div>/.exec(html)?.[1];

  before(async () => {
    let ada: User;
    ({ accounts, ada, bob } = await analyticsUsers());
    const services = new FakeServices();
    manuals = services.collections.create({ name: 'Manuals' }).id;
    store = openAnalyticsStore(':memory:');
    // Last hour: 4 answers, 1 flagged (bob's, over Manuals). Earlier today: 2 more, both flagged (Ada's).
    store.recordQa(qaFixture(1, { at: NOW - MIN, userId: bob.id, collections: [manuals], sources: sources(2) }), neutral);
    store.recordQa(qaFixture(2, { at: NOW - 2 * MIN, userId: bob.id, collections: [manuals], sources: sources(0) }), neutral);
    store.recordQa(qaFixture(3, { at: NOW - 3 * MIN, userId: bob.id, sources: sources(0) }), neutral);
    store.recordQa(qaFixture(4, { at: NOW - 4 * MIN, sources: sources(0, 0) }), neutral);
    store.recordQa(qaFixture(5, { at: NOW - 120 * MIN, userId: ada.id, sources: sources(1, 0) }), neutral);
    store.recordQa(qaFixture(6, { at: NOW - 180 * MIN, userId: ada.id, sources: sources(3) }), neutral);
    services.analytics = createLocalAnalyticsReader(store);
    srv = await startTestServer({}, services, pino({ level: 'silent' }), accounts);
  });
  after(async () => {
    await srv.close();
    store.close();
    accounts.close();
  });

  void test('count and share per period, collection and user; the panel refresh too', async () => {
    const cookie = (await signInCookie(srv.url, 'Ada', 'ada-password')).headers;
    assert.equal(figure(await page('range=hour', cookie)), '1 (25%)');
    assert.equal(figure(await page('range=day', cookie)), '3 (50%)');
    assert.equal(figure(await page(`range=day&collection=${manuals}`, cookie)), '1 (50%)');
    assert.equal(figure(await page(`range=day&user=${bob.id}`, cookie)), '1 (33%)');
    assert.equal(figure(await page('range=day&user=Ada', cookie)), '2 (100%)');
    const panel = await fetch(`${srv.url}/analytics/panel?range=hour`, { headers: { ...cookie, 'HX-Request': 'true' } });
    assert.equal(figure(await panel.text()), '1 (25%)');
  });

  void test('an analytics service that does not count them: no figure rather than a wrong 0; the other figures stay', async () => {
    const { flaggedAnswers, ...older } = store.summary('day', NOW);
    assert.equal(flaggedAnswers, 3, 'the current store counts them');
    const services = new FakeServices();
    services.summaryFor = () => older;
    const plain = await startTestServer({}, services);
    try {
      const html = await (await fetch(`${plain.url}/analytics?range=day`)).text();
      assert.match(html, /<div class="stat-value">6<\/div><div class="stat-label">Answers<\/div>/);
      assert.equal(figure(html), undefined);
    } finally {
      await plain.close();
    }
  });

  void test('the CSV export ends with flagged sources: how many sources of each answer were flagged', async () => {
    const cookie = (await signInCookie(srv.url, 'Ada', 'ada-password')).headers;
    const csv = await (await fetch(`${srv.url}/api/analytics/answers.csv?range=day`, { headers: cookie })).text();
    const [header, ...rows] = csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    assert.ok(header!.endsWith(',collections,channel,user,flagged sources'), header);
    const last = Object.fromEntries(rows.map((l): [string, string] => [l.split(',')[1]!, l.split(',').at(-1)!]));
    assert.deepEqual(last, { 'a-1': '2', 'a-2': '0', 'a-3': '0', 'a-4': '0', 'a-5': '1', 'a-6': '3' });
  });
});
