/**
 * The Analytics page: a range selector (links) and a panel that reloads itself every 5 s. The
 * latency chart is drawn by /static/analytics.js with chart.js from the JSON in the canvas's
 * data-chart attribute (escaped like every value; the browser unescapes it). The canvas has no id
 * on purpose: htmx 4 keeps elements whose id persists across a swap and rewrites their attributes
 * (style included, which the CSP blocks), so a fresh canvas per refresh is the clean path.
 */
import { ANALYTICS_RANGES, type AnalyticsRange, type AnalyticsSummary } from '../src/contracts/analytics-summary.ts';
import { html, jsonAttr, type SafeHtml } from '../src/web/html.ts';
import { thumbDown, thumbUp } from './icons.ts';
import { layout } from './layout.ts';

const RANGE_LABELS: Record<AnalyticsRange, string> = { hour: 'Last hour', day: 'Last day', week: 'Last week', all: 'All time' };

const ms = (v: number | null): string => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const num = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));
const pct = (v: number | null): string => (v === null ? '–' : `${Math.round(v * 100)}%`);

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

function recentTable(s: AnalyticsSummary): SafeHtml {
  if (s.recent.length === 0) return html``;
  return html`<h2>Recent answers</h2>
<table class="table">
  <thead><tr><th>Question</th><th>Vote</th><th class="num">Question sentiment</th><th class="num">Answer sentiment</th><th class="num">Latency</th><th>Worker</th></tr></thead>
  <tbody>${s.recent.map(
    (r) => html`<tr data-answer-id="${r.answerId}">
    <td class="question" title="${r.answer}">${r.question}</td>
    <td>${r.vote === 'up' ? html`${thumbUp} up` : r.vote === 'down' ? html`${thumbDown} down` : html`<span class="muted">–</span>`}</td>
    <td class="num">${num(r.questionSentiment)}</td>
    <td class="num">${num(r.answerSentiment)}</td>
    <td class="num">${ms(r.totalMs)}</td>
    <td class="muted small">${r.worker}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

/** The self-refreshing panel (also served alone at GET /analytics/panel?range=...). */
export function analyticsPanel(s: AnalyticsSummary): SafeHtml {
  const refresh = html`hx-get="/analytics/panel?range=${s.range}" hx-trigger="every 5s" hx-swap="outerHTML"`;
  if (s.answers === 0 && s.votes.up + s.votes.down === 0) {
    return html`<div id="analytics-panel" ${refresh} data-answers="0">
  <p class="empty">No answers in this period yet. Ask a question on the <a href="/">Ask</a> page and the numbers appear here.</p>
</div>`;
  }
  return html`<div id="analytics-panel" ${refresh} data-answers="${s.answers}">
  <div class="stats">
    ${stat('Answers', String(s.answers))}
    ${stat('Votes', `${s.votes.up} up · ${s.votes.down} down`)}
    ${stat('Satisfaction', pct(s.satisfaction), 'up / (up + down)')}
    ${stat('Latency p50', ms(s.latencyMs.total.p50), 'median, question to full answer')}
    ${stat('Latency p95', ms(s.latencyMs.total.p95))}
    ${stat('Tokens / s', num(s.tokensPerSecond, 1), 'generation speed')}
    ${stat('Question sentiment', num(s.sentiment.question), 'mean AFINN comparative')}
    ${stat('Answer sentiment', num(s.sentiment.answer), 'mean AFINN comparative')}
  </div>
  <p class="muted small">Sentiment is the AFINN comparative score: the sum of the AFINN word scores (−5..+5) divided by the number of words; 0 is neutral. Words missing from the AFINN list (e.g. "slow") count as 0.</p>
  <h2>Latency by stage</h2>
  <div class="chart-box"><canvas class="latency-chart" data-chart="${jsonAttr(chartData(s))}" aria-label="Latency by stage, p50 and p95 in milliseconds" role="img"></canvas></div>
  ${recentTable(s)}
</div>`;
}

export function analyticsPage(s: AnalyticsSummary): SafeHtml {
  const body = html`
<h1>Analytics</h1>
<nav class="ranges" aria-label="Period">
  ${ANALYTICS_RANGES.map((r) => html`<a href="/analytics?range=${r}"${r === s.range ? html` aria-current="true" class="active"` : ''}>${RANGE_LABELS[r]}</a>`)}
  <span class="muted small">Refreshes every 5 seconds.</span>
</nav>
<section class="card">
${analyticsPanel(s)}
</section>`;
  return layout({ title: 'Analytics', page: 'analytics', body, scripts: ['/static/chart.js', '/static/analytics.js'] });
}
