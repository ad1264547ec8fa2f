/** The analytics page with a summary from a real store (fake web services): charts with table alternatives, answer detail, CSV export. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyticsStore } from '../../src/analytics/store.ts';
import { sampleAnalyticsStore } from '../support/analytics-sample.ts';
import { emptySummary, startTestServer, type TestServer } from '../support/fake-services.ts';

const NOW = Date.now();
let srv: TestServer;
let store: AnalyticsStore;
before(async () => {
  srv = await startTestServer();
  store = sampleAnalyticsStore(NOW, 120);
  srv.services.summaryFor = (range) => store.summary(range, NOW);
  srv.services.analyticsAnswers = store.answers('all', 1000, NOW).map((r) => store.answer(r.answerId)!);
});
after(async () => {
  store.close();
  await srv.close();
});

const get = async (p: string, headers: Record<string, string> = {}) => {
  const res = await fetch(srv.url + p, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

void describe('analytics page', () => {
  void test('every chart is there, with its table alternative, and the rows open their answer', async () => {
    const { status, text } = await get('/analytics?range=day');
    assert.equal(status, 200);
    for (const kind of ['latency', 'satisfaction', 'latency-series', 'tokens', 'sentiment', 'satisfaction-sentiment']) {
      assert.match(text, new RegExp(`data-kind="${kind}"`), kind);
    }
    assert.equal(text.match(/<summary>Show as a table<\/summary>/g)?.length, 6);
    assert.match(text, /hx-get="\/analytics\/answers\/ans-\d+" hx-target="#answer-detail-box"/);
    assert.match(text, /href="\/api\/analytics\/answers.csv\?range=day"/);
    assert.match(text, /Is the &lt;b&gt;backup&lt;\/b&gt; feature reliable\?/);
    assert.doesNotMatch(text, /<b>backup/);
  });

  void test('the recent answers list shows the channel of each answer (web when it has none)', async () => {
    srv.services.summaryFor = (range) => {
      const s = store.summary(range, NOW);
      return { ...s, recent: s.recent.map((r, i) => ({ ...r, channel: i === 0 ? 'openai' : null })) };
    };
    try {
      const { text } = await get('/analytics?range=day');
      assert.match(text, /<th>Channel<\/th>/);
      const cells = [...text.matchAll(/<td class="small">(\w+)<\/td>/g)].map((m) => m[1]);
      assert.equal(cells[0], 'openai');
      assert.ok(cells.length > 1 && cells.slice(1).every((c) => c === 'web'), cells.join());
    } finally {
      srv.services.summaryFor = (range) => store.summary(range, NOW);
    }
  });

  void test('no votes: the satisfaction-by-sentiment chart says so instead of drawing nothing', async () => {
    srv.services.summaryFor = (range) => ({ ...store.summary(range, NOW), sentimentBands: store.summary(range, NOW).sentimentBands.map((b) => ({ ...b, up: 0, down: 0 })) });
    try {
      const { text } = await get('/analytics/panel?range=day', { 'HX-Request': 'true' });
      assert.match(text, /No votes in this period yet/);
      assert.doesNotMatch(text, /data-kind="satisfaction-sentiment"/);
    } finally {
      srv.services.summaryFor = (range) => store.summary(range, NOW);
    }
    srv.services.summaryFor = emptySummary;
    assert.match((await get('/analytics?range=hour')).text, /No answers in this period yet/);
    srv.services.summaryFor = (range) => store.summary(range, NOW);
  });

  void test('answer detail: fragment for htmx, page for a link, JSON, 404 for an unknown id', async () => {
    const id = srv.services.analyticsAnswers[0]!.answerId;
    const frag = await get(`/analytics/answers/${id}`, { 'HX-Request': 'true' });
    assert.equal(frag.status, 200);
    assert.match(frag.text, /^<article class="answer-detail"/);
    assert.match(frag.text, /&quot;quotes&quot; &amp; &lt;tags&gt;/);
    assert.match(frag.text, /user-guide.pdf/);
    assert.match(frag.text, /First token/);
    const full = await get(`/analytics/answers/${id}`);
    assert.match(full.text, /<!doctype html>/);
    const json = (await (await fetch(`${srv.url}/api/analytics/answers/${id}`)).json()) as { answerId: string; sources: unknown[] };
    assert.equal(json.answerId, id);
    assert.equal(json.sources.length, 1);
    assert.equal((await get('/analytics/answers/nope', { 'HX-Request': 'true' })).status, 404);
    assert.equal((await fetch(`${srv.url}/api/analytics/answers/nope`)).status, 404);
  });

  void test('CSV export: streamed page by page, one line per answer of the range, formula cells guarded; bad range is a 400', async () => {
    const res = await get('/api/analytics/answers.csv?range=all');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="docent-answers-all.csv"/);
    // fetch's text() drops the byte order mark; the header line follows it.
    assert.ok(res.text.replace(/^\uFEFF/, '').startsWith('time (UTC),answer id'));
    // The fake reader hands out pages of two rows: every page made it, in order, once.
    const ids = [...res.text.matchAll(/^[^,]+,(ans-\d+),/gm)].map((m) => m[1]);
    assert.deepEqual(ids, srv.services.analyticsAnswers.map((a) => a.answerId));
    assert.match(res.text, /,"'=SUM\(A1:A9\) what happens here\?"?,|,'=SUM\(A1:A9\) what happens here\?,/);
    assert.doesNotMatch(res.text, /,=SUM/);
    assert.equal((await get('/api/analytics/answers.csv?range=year')).status, 400);
  });
});

void describe('analytics by collection', () => {
  void test('?collection= (id or name) filters the page, the panel, the JSON summary and the CSV; the select keeps the range; names are escaped', async () => {
    const c = srv.services.collections.create({ name: '<i>Manuals</i>' });
    const asked: Array<string | undefined> = [];
    srv.services.summaryFor = (range, collection) => {
      asked.push(collection);
      return { ...store.summary(range, NOW, collection), collection: collection ?? null };
    };
    try {
      const page = await get(`/analytics?range=week&collection=${encodeURIComponent('<i>manuals</i>')}`);
      assert.equal(page.status, 200, page.text);
      assert.deepEqual(asked, [c.id], 'the name is resolved to the id');
      assert.ok(page.text.includes(`<option value="${c.id}" selected>&lt;i&gt;Manuals&lt;/i&gt;</option>`), page.text);
      assert.ok(page.text.includes('<option value="">All collections</option>'));
      assert.ok(page.text.includes('<input type="hidden" name="range" value="week">'), 'the select keeps the range');
      assert.ok(page.text.includes(`href="/analytics?range=day&amp;collection=${c.id}"`), 'the range links keep the collection');
      assert.ok(page.text.includes(`hx-get="/analytics/panel?range=week&amp;collection=${c.id}"`), 'the refresh keeps it');
      assert.ok(!page.text.includes('<i>Manuals'));
      assert.match(page.text, /No answers in this period for this collection/);

      const unfiltered = await get('/analytics?range=week');
      assert.ok(unfiltered.text.includes('<option value="" selected>All collections</option>'));
      assert.ok(unfiltered.text.includes('href="/analytics?range=day"'));

      const json = (await (await fetch(`${srv.url}/api/analytics/summary?range=day&collection=${c.id}`)).json()) as { collection: string; answers: number };
      assert.deepEqual([json.collection, json.answers], [c.id, 0]);
      assert.equal((await get(`/analytics/panel?range=day&collection=${c.id}`)).status, 200);
      assert.deepEqual(asked.slice(-3), [undefined, c.id, c.id]);

      for (const p of ['/analytics?collection=Nowhere', '/api/analytics/summary?collection=Nowhere', '/api/analytics/answers.csv?collection=Nowhere']) {
        const missing = await get(p);
        assert.equal(missing.status, 404, p);
        assert.match(missing.text, /No collection (&quot;|\\?")Nowhere/, p);
      }
    } finally {
      srv.services.summaryFor = (range) => store.summary(range, NOW);
    }
  });

  void test('the CSV of one collection lists only its answers, and the collections column names them', async () => {
    const c = srv.services.collections.create({ name: 'Policies, HR' });
    const saved = srv.services.analyticsAnswers;
    srv.services.analyticsAnswers = saved.slice(0, 3).map((a, i) => ({ ...a, collections: i === 1 ? [] : [c.id, 'deleted-one'] }));
    try {
      const res = await get(`/api/analytics/answers.csv?range=all&collection=${encodeURIComponent('policies, hr')}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`docent-answers-all-${c.id}\\.csv`));
      const lines = res.text.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
      assert.ok(lines[0]!.endsWith(',model,collections,channel,user,flagged sources'));
      assert.equal(lines.length, 3, 'header and the two answers of the collection');
      assert.ok(lines.slice(1).every((l) => l.endsWith(',"Policies, HR; deleted-one",web,,0')), lines.join('\n'));
      const all = await get('/api/analytics/answers.csv?range=all');
      assert.equal(all.text.trimEnd().split('\r\n').length, 4);
    } finally {
      srv.services.analyticsAnswers = saved;
    }
  });
});
