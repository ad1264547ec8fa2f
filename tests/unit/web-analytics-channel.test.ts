/**
 * The web's analytics by channel, read from a real store through the in-process reader: the page's
 * channel select (beside the collection and user selects, keeping the range), the figures of the
 * chosen channel, the panel's refresh, range links, quality link and CSV link keeping it, the JSON
 * summary and the CSV export filtered; an unknown channel is a 400 listing the channels, a channel
 * with a collection or user a 400; members get a 403 as for the rest of analytics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Accounts, User } from '../../src/accounts/accounts.ts';
import { createLocalAnalyticsReader } from '../../src/analytics/local-reader.ts';
import { openAnalyticsStore, type AnalyticsStore } from '../../src/analytics/store.ts';
import type { QaEvent } from '../../src/contracts/analytics.ts';
import { analyticsUsers, NEUTRAL as neutral, qaFixture, signInCookie, voteFixture as vote } from '../support/analytics-fixtures.ts';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';

const NOW = Date.now();
const MIN = 60_000;
const qa = (n: number, over: Partial<QaEvent> = {}): QaEvent => qaFixture(n, { at: NOW - n * MIN, ...over });

describe('the analytics page filters by channel', () => {
  let accounts: Accounts;
  let srv: TestServer;
  let store: AnalyticsStore;
  let bob: User;
  let adaToken: string;
  let bobToken: string;
  let cookie: { headers: { cookie: string } };
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    ({ accounts, bob, adaToken, bobToken } = await analyticsUsers());
    store = openAnalyticsStore(':memory:');
    // openai: 3 answers, 2 up votes and 1 down; mcp: 1; web: 2 (one from before channels).
    for (let n = 1; n <= 3; n++) store.recordQa(qa(n, { channel: 'openai', userId: bob.id }), neutral);
    store.recordQa(qa(4, { channel: 'mcp' }), neutral);
    store.recordQa(qa(5, { channel: 'web' }), neutral);
    store.recordQa(qa(6), neutral);
    store.recordVote(vote('v1', 'a-1', 'up', NOW));
    store.recordVote(vote('v2', 'a-2', 'up', NOW));
    store.recordVote(vote('v3', 'a-3', 'down', NOW));
    store.recordVote(vote('v4', 'a-5', 'down', NOW));
    const services = new FakeServices();
    services.analytics = createLocalAnalyticsReader(store);
    srv = await startTestServer({}, services, pino({ level: 'silent' }), accounts);
    cookie = await signInCookie(srv.url, 'Ada', 'ada-password');
  });
  after(async () => {
    await srv.close();
    store.close();
    accounts.close();
  });

  /** The big number of a stat on the page or panel. */
  const stat = (page: string, label: string): string | undefined =>
    new RegExp(`<div class="stat-value">([^<]*)</div><div class="stat-label">${label}</div>`).exec(page)?.[1];

  void test('the select lists the channels, keeps the range, and the page shows that channel\'s figures', async () => {
    const page = await (await fetch(`${srv.url}/analytics?range=day&channel=openai`, cookie)).text();
    assert.match(page, /<select id="analytics-channel" name="channel">/);
    assert.match(page, /<option value="">All channels<\/option>/);
    assert.match(page, /<option value="openai" selected>OpenAI API \(\/v1\)<\/option>/);
    for (const c of ['web', 'api', 'mcp']) assert.match(page, new RegExp(`<option value="${c}">`), c);
    assert.match(page, /<form class="collection-filter channel-filter" method="get" action="\/analytics">\s*<input type="hidden" name="range" value="day">/);
    assert.equal(stat(page, 'Answers'), '3');
    assert.equal(stat(page, 'Votes'), '2 up · 1 down');
    assert.equal(stat(page, 'Satisfaction'), '67%');
    assert.match(page, /Answers that came through OpenAI API \(\/v1\)/);
    assert.match(page, /a channel replaces the collection and user filters/);
    const recent = [...page.matchAll(/data-answer-id="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(recent, ['a-1', 'a-2', 'a-3'], 'the recent answers are that channel\'s');
    assert.ok(page.includes('hx-get="/analytics/panel?range=day&amp;channel=openai"'), 'the refresh keeps the channel');
    assert.ok(page.includes('href="/analytics?range=week&amp;channel=openai"'), 'the range links keep it');
    assert.ok(page.includes('href="/api/analytics/answers.csv?range=day&amp;channel=openai"'), 'the CSV link keeps it');
    assert.ok(page.includes('href="/analytics/quality?range=day&amp;channel=openai"'), 'the quality link keeps it');

    const all = await (await fetch(`${srv.url}/analytics?range=day`, cookie)).text();
    assert.match(all, /<option value="" selected>All channels<\/option>/);
    assert.equal(stat(all, 'Answers'), '6');
    const web = await (await fetch(`${srv.url}/analytics/panel?range=day&channel=web`, cookie)).text();
    assert.equal(stat(web, 'Answers'), '2', 'answers from before channels count as web');
    assert.equal(stat(web, 'Votes'), '0 up · 1 down');
    const api = await (await fetch(`${srv.url}/analytics/panel?range=day&channel=api`, cookie)).text();
    assert.match(api, /No answers in this period through this channel yet/);
  });

  void test('the JSON summary and the CSV export of one channel', async () => {
    const s = (await (await fetch(`${srv.url}/api/analytics/summary?range=day&channel=mcp`, bearer(adaToken))).json()) as { answers: number; channel: string };
    assert.deepEqual([s.answers, s.channel], [1, 'mcp']);
    const csv = await fetch(`${srv.url}/api/analytics/answers.csv?range=day&channel=openai`, bearer(adaToken));
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /docent-answers-day-channel-openai\.csv/);
    const rows = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    assert.deepEqual(rows.map((l) => l.split(',')[1]), ['a-1', 'a-2', 'a-3']);
    assert.ok(rows.every((l) => l.includes(',openai,')), rows.join('\n'));
  });

  void test('an unknown channel is a 400 listing the channels; with a collection or user a 400; members 403', async () => {
    for (const p of ['/api/analytics/summary?range=day&channel=email', '/api/analytics/answers.csv?range=day&channel=email']) {
      const res = await fetch(srv.url + p, bearer(adaToken));
      assert.equal(res.status, 400, p);
      assert.match(await res.text(), /Unknown channel \\?"email\\?": channel must be one of web, api, openai, mcp/, p);
    }
    const page = await fetch(`${srv.url}/analytics?range=day&channel=email`, cookie);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /channel must be one of web, api, openai, mcp/);
    for (const q of ['&collection=general', `&user=${bob.id}`]) {
      const res = await fetch(`${srv.url}/api/analytics/summary?range=day&channel=web${q}`, bearer(adaToken));
      assert.equal(res.status, 400, q);
      assert.match(await res.text(), /one at a time/, q);
    }
    assert.equal((await fetch(`${srv.url}/api/analytics/summary?range=day&channel=web`, bearer(bobToken))).status, 403);
  });

  void test('the quality page keeps the channel too', async () => {
    const page = await (await fetch(`${srv.url}/analytics/quality?range=day&channel=mcp`, cookie)).text();
    assert.match(page, /<option value="mcp" selected>MCP<\/option>/);
    assert.ok(page.includes('href="/analytics?range=day&amp;channel=mcp"'), page);
  });
});
