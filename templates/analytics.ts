/**
 * The Analytics page: a range selector (links), a panel that reloads itself every 5 s, and a box
 * below it where a row of the recent-answers table opens its full answer (outside the panel, so a
 * refresh does not close it). Charts are drawn by /static/analytics.js with chart.js from the JSON
 * in each canvas's data-chart attribute (escaped like every value; the browser unescapes it); each
 * has a "Show as a table" alternative with the same numbers. The canvas has no id
 * on purpose: htmx 4 keeps elements whose id persists across a swap and rewrites their attributes
 * (style included, which the CSP blocks), so a fresh canvas per refresh is the clean path.
 *
 * The filter selects (collection, user, channel) are ./analytics-filters.ts.
 * A collection filter (`?collection=<id>`): a select beside the range links (a GET form, so it works
 * without scripts; analytics.js submits it on change). The range links, the panel's refresh and the
 * CSV link all keep the collection, and the select keeps the range. Collection names are user text
 * and escaped like everything else.
 *
 * A user filter (`?user=<internal id>`, admins): a second select listing users by name (names come
 * from the account store in the web; analytics holds only the id). One filter at a time: each select
 * is its own form, so choosing a user drops the collection and the other way round.
 *
 * A channel filter (`?channel=web|api|openai|mcp`): a third select, the same kind of form, so
 * choosing a channel drops the collection and user filters (each filter has its own aggregate
 * buckets; combinations are not kept). Answers recorded before channels count as web.
 */
import { ANALYTICS_RANGES, type AnalyticsRange, type AnalyticsSummary } from '../src/contracts/analytics-summary.ts';
import type { Channel } from '../src/contracts/channel.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { CHANNEL_LABELS, channelFilter, channelNote, collectionFilter, userFilter, type AnalyticsUser } from './analytics-filters.ts';
import { html, jsonAttr, type SafeHtml } from '../src/web/html.ts';
import { thumbDown, thumbUp } from './icons.ts';
import { layout } from './layout.ts';

export const RANGE_LABELS: Record<AnalyticsRange, string> = { hour: 'Last hour', day: 'Last day', week: 'Last week', all: 'All time' };

const ms = (v: number | null): string => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const num = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));
const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)}%`);

/** `&collection=<id>`, `&user=<id>` or `&channel=<channel>` of a filtered summary, '' otherwise (values are escaped where used). */
const collectionParam = (s: AnalyticsSummary): string =>
  s.collection ? `&collection=${encodeURIComponent(s.collection)}` : s.user ? `&user=${encodeURIComponent(s.user)}` : s.channel ? `&channel=${encodeURIComponent(s.channel)}` : '';

/**
 * Answers with a source the prompt-injection guard flagged (docs/benchmarks.md#prompt-injection):
 * count and share of the period's answers, under the same filters as every other figure; nothing
 * from an analytics service too old to count them.
 */
function flaggedStat(s: AnalyticsSummary): SafeHtml | '' {
  if (s.flaggedAnswers === undefined) return '';
  const share = s.answers === 0 ? null : s.flaggedAnswers / s.answers;
  return stat('Answers with a flagged source', `${s.flaggedAnswers} (${pct(share)})`, 'a source read as instructions to the assistant');
}

function stat(label: string, value: string, note?: string): SafeHtml {
  return html`<div class="stat"><div class="stat-value">${value}</div><div class="stat-label">${label}</div>${note === undefined ? '' : html`<div class="stat-note">${note}</div>`}</div>`;
}

function chartData(s: AnalyticsSummary): unknown {
  const stages = [
    ['Queue wait', s.latencyMs.queueWait],
    ['Retrieval', s.latencyMs.retrieval],
    ['First token', s.latencyMs.firstToken],
    ['Generation', s.latencyMs.generation],
    ['Total', s.latencyMs.total],
  ] as const;
  return { labels: stages.map(([l]) => l), p50: stages.map(([, p]) => p.p50), p95: stages.map(([, p]) => p.p95) };
}

const STAGE_LABELS = [
  ['total', 'Total'],
  ['firstToken', 'First token'],
  ['generation', 'Generation'],
  ['retrieval', 'Retrieval'],
  ['queueWait', 'Queue wait'],
] as const;

/**
 * The stage shown in the latency-over-time chart: radio buttons (keyboard and screen-reader
 * friendly); /static/analytics.js redraws the chart on change and keeps the choice across refreshes.
 */
function stageSelector(): SafeHtml {
  return html`<fieldset class="stage-select segmented"><legend class="small">Stage</legend>${STAGE_LABELS.map(
    ([key, label]) => html`<label><input type="radio" name="latency-stage" value="${key}"${key === 'total' ? html` checked` : ''}> ${label}</label>`,
  )}</fieldset>`;
}

/** Tick label of a series point: time of day within a day, date beyond. */
function pointLabel(t: number, stepMs: number): string {
  const iso = new Date(t).toISOString();
  return stepMs >= 86_400_000 ? iso.slice(0, 10) : stepMs >= 21_600_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** A chart, its caption, and the same numbers as a table (for screen readers and exact reading). */
function chart(kind: string, title: string, data: unknown, table: SafeHtml, note?: SafeHtml, controls?: SafeHtml): SafeHtml {
  return html`<figure class="chart">
  <figcaption><h2>${title}</h2>${note ?? ''}</figcaption>${controls ?? ''}
  <div class="chart-box"><canvas class="analytics-chart ${kind}-chart" data-kind="${kind}" data-chart="${jsonAttr(data)}" aria-label="${title}" role="img"></canvas></div>
  <details class="chart-table"><summary>Show as a table</summary>${table}</details>
</figure>`;
}

const dataTable = (head: readonly string[], rows: ReadonlyArray<ReadonlyArray<string>>): SafeHtml =>
  html`<table class="table"><thead><tr>${head.map((h, i) => html`<th${i > 0 ? html` class="num"` : ''}>${h}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<td>${c}</td>` : html`<td class="num">${c}</td>`))}</tr>`)}</tbody></table>`;

function overTime(s: AnalyticsSummary): SafeHtml {
  const pts = s.series.points;
  const labels = pts.map((p) => pointLabel(p.t, s.series.stepMs));
  const weeks = s.series.stepMs / 604_800_000;
  const step = weeks >= 1 ? (weeks === 1 ? 'week (from Monday)' : `${weeks} weeks`) : s.series.stepMs >= 86_400_000 ? 'day' : s.series.stepMs >= 3_600_000 ? `${s.series.stepMs / 3_600_000} h` : `${s.series.stepMs / 60_000} min`;
  const stepNote = html`<p class="muted small">UTC, one point per ${step} of answers.</p>`;
  const satisfaction = chart(
    'satisfaction',
    'Satisfaction over time',
    { labels, up: pts.map((p) => p.up), down: pts.map((p) => p.down), satisfaction: pts.map((p) => (p.satisfaction === null ? null : Math.round(p.satisfaction * 1000) / 10)) },
    dataTable(['Time', 'Up', 'Down', 'Satisfaction'], pts.map((p, i) => [labels[i]!, String(p.up), String(p.down), pct(p.satisfaction)])),
    stepNote,
  );
  const latency = chart(
    'latency-series',
    'Latency by stage over time',
    { labels, stages: STAGE_LABELS.map(([key, label]) => ({ key, label, p50: pts.map((p) => p.latencyMs[key].p50), p95: pts.map((p) => p.latencyMs[key].p95) })) },
    dataTable(['Time', ...STAGE_LABELS.flatMap(([, l]) => [`${l} p50`, `${l} p95`])], pts.map((p, i) => [labels[i]!, ...STAGE_LABELS.flatMap(([k]) => [ms(p.latencyMs[k].p50), ms(p.latencyMs[k].p95)])])),
    html`<p class="muted small">One stage at a time: p50 (median) is the solid line with round markers, p95 the dashed line with triangles. The table has every stage.</p>`,
    stageSelector(),
  );
  const tps = chart(
    'tokens',
    'Generation speed over time',
    { labels, tps: pts.map((p) => (p.tokensPerSecond === null ? null : Math.round(p.tokensPerSecond * 10) / 10)) },
    dataTable(['Time', 'Tokens / s'], pts.map((p, i) => [labels[i]!, num(p.tokensPerSecond, 1)])),
  );
  return html`${satisfaction}${latency}${tps}`;
}

const bandLabel = (v: number): string => (v <= -1 ? '≤ −1.0' : v >= 1 ? '≥ 1.0' : v.toFixed(1).replace('-', '−'));

function sentimentCharts(s: AnalyticsSummary): SafeHtml {
  const bands = s.sentimentBands;
  const labels = bands.map((b) => bandLabel(b.value));
  const distribution = chart(
    'sentiment',
    'Sentiment of questions and answers',
    { labels, questions: bands.map((b) => b.questions), answers: bands.map((b) => b.answers) },
    dataTable(['AFINN comparative', 'Questions', 'Answers'], bands.map((b, i) => [labels[i]!, String(b.questions), String(b.answers)])),
    html`<p class="muted small">How many questions and answers fall in each band of 0.1 (0 is neutral).</p>`,
  );
  const voted = bands.filter((b) => b.up + b.down > 0);
  const bySentiment =
    voted.length === 0
      ? html`<figure class="chart"><figcaption><h2>Satisfaction by answer sentiment</h2></figcaption><p class="empty">No votes in this period yet.</p></figure>`
      : chart(
          'satisfaction-sentiment',
          'Satisfaction by answer sentiment',
          { labels: voted.map((b) => bandLabel(b.value)), satisfaction: voted.map((b) => Math.round((b.up / (b.up + b.down)) * 1000) / 10), votes: voted.map((b) => b.up + b.down) },
          dataTable(['Answer sentiment', 'Up', 'Down', 'Satisfaction'], voted.map((b) => [bandLabel(b.value), String(b.up), String(b.down), pct(b.up / (b.up + b.down))])),
          html`<p class="muted small">Share of up votes among the voted answers of each sentiment band; the label on each bar is the number of votes.</p>`,
        );
  return html`${distribution}${bySentiment}`;
}

function recentTable(s: AnalyticsSummary): SafeHtml {
  if (s.recent.length === 0) return html``;
  return html`<div class="table-head"><h2>Recent answers</h2>
  <a class="button small" href="/api/analytics/answers.csv?range=${s.range}${collectionParam(s)}" download>Export CSV</a></div>
<table class="table recent-answers">
  <thead><tr><th>Question</th><th>Vote</th><th class="num">Question sentiment</th><th class="num">Answer sentiment</th><th class="num">Latency</th><th>Channel</th><th>Worker</th></tr></thead>
  <tbody>${s.recent.map(
    (r) => html`<tr data-answer-id="${r.answerId}">
    <td class="question"><a href="/analytics/answers/${encodeURIComponent(r.answerId)}" hx-get="/analytics/answers/${encodeURIComponent(r.answerId)}" hx-target="#answer-detail-box" hx-swap="innerHTML" title="Open the full answer">${r.question}</a></td>
    <td>${r.vote === 'up' ? html`${thumbUp} up` : r.vote === 'down' ? html`${thumbDown} down` : html`<span class="muted">–</span>`}</td>
    <td class="num">${num(r.questionSentiment)}</td>
    <td class="num">${num(r.answerSentiment)}</td>
    <td class="num">${ms(r.totalMs)}</td>
    <td class="small">${r.channel ?? 'web'}</td>
    <td class="muted small">${r.worker}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

/** The self-refreshing panel (also served alone at GET /analytics/panel?range=...). */
export function analyticsPanel(s: AnalyticsSummary): SafeHtml {
  const refresh = html`hx-get="/analytics/panel?range=${s.range}${collectionParam(s)}" hx-trigger="every 5s" hx-swap="outerHTML"`;
  if (s.answers === 0 && s.votes.up + s.votes.down === 0) {
    const where = s.collection ? ' for this collection (no answer asked over it or citing it)' : s.channel ? ' through this channel' : '';
    return html`<div id="analytics-panel" ${refresh} data-answers="0">
  <p class="empty">No answers in this period${where} yet. Ask a question on the <a href="/">Ask</a> page and the numbers appear here.</p>
</div>`;
  }
  return html`<div id="analytics-panel" ${refresh} data-answers="${s.answers}">
  <div class="stats">
    ${stat('Answers', String(s.answers))}
    ${flaggedStat(s)}
    ${stat('Votes', `${s.votes.up} up · ${s.votes.down} down`)}
    ${stat('Satisfaction', pct(s.satisfaction), 'up / (up + down)')}
    ${stat('Latency p50', ms(s.latencyMs.total.p50), 'median, question to full answer')}
    ${stat('Latency p95', ms(s.latencyMs.total.p95))}
    ${stat('Tokens / s', num(s.tokensPerSecond, 1), 'generation speed')}
    ${stat('Question sentiment', num(s.sentiment.question), 'mean AFINN comparative')}
    ${stat('Answer sentiment', num(s.sentiment.answer), 'mean AFINN comparative')}
  </div>
  <p class="muted small">Sentiment is the AFINN comparative score: the sum of the AFINN word scores (−5..+5) divided by the number of words; 0 is neutral. Words missing from the AFINN list (e.g. "slow") count as 0. Latency percentiles are read from histograms, within about 5% of the exact value.</p>
  <div class="charts">
  ${chart(
    'latency',
    'Latency by stage',
    chartData(s),
    dataTable(['Stage', 'p50', 'p95'], (['queueWait', 'retrieval', 'firstToken', 'generation', 'total'] as const).map((k) => [STAGE_LABELS.find(([key]) => key === k)![1], ms(s.latencyMs[k].p50), ms(s.latencyMs[k].p95)])),
  )}
  ${overTime(s)}
  ${sentimentCharts(s)}
  </div>
  ${recentTable(s)}
</div>`;
}

/**
 * The page; `collections` fills the collection select (the summary says which one is chosen);
 * `users` the user select (none: no select, e.g. sign-in off or not an admin).
 */
export function analyticsPage(s: AnalyticsSummary, collections: readonly CollectionView[] = [], users: readonly AnalyticsUser[] = []): SafeHtml {
  const chosen = collections.find((c) => c.id === s.collection);
  const user = s.user ? (users.find((u) => u.id === s.user)?.name ?? s.user) : undefined;
  const body = html`
<h1>Analytics${chosen ? html` <span class="muted">· ${chosen.name}</span>` : ''}${user !== undefined ? html` <span class="muted">· ${user}</span>` : ''}${s.channel ? html` <span class="muted">· ${CHANNEL_LABELS[s.channel as Channel] ?? s.channel}</span>` : ''}</h1>
<nav class="ranges" aria-label="Period">
  ${ANALYTICS_RANGES.map((r) => html`<a href="/analytics?range=${r}${collectionParam(s)}"${r === s.range ? html` aria-current="true" class="active"` : ''}>${RANGE_LABELS[r]}</a>`)}
  ${collectionFilter(s, collections)}
  ${users.length > 0 ? userFilter(s, users) : ''}
  ${channelFilter(s)}
  <span class="muted small">Refreshes every 5 seconds.</span>
  <a class="button small secondary" href="/analytics/quality?range=${s.range}${collectionParam(s)}">Quality: gaps, citations, down-votes</a>
</nav>
${chosen ? html`<p class="muted small">Answers asked over ${chosen.name} or citing a passage from it, and the votes on them.</p>` : ''}
${user !== undefined ? html`<p class="muted small">Answers ${user} asked, and the votes on them.</p>` : ''}
${channelNote(s.channel)}
<section class="card">
${analyticsPanel(s)}
</section>
<section class="card" id="answer-detail-box" aria-live="polite"></section>`;
  return layout({ title: 'Analytics', page: 'analytics', body, scripts: ['/static/chart.js', '/static/analytics.js'] });
}
