/**
 * One answer in full, as a row of the analytics table opens it: question, the whole answer (model
 * output: escaped like every value), sources, timings by stage, tokens, sentiment scores, vote.
 * A fragment for htmx (swapped into the page's detail box) and a standalone page for a direct link.
 */
import type { AnalyticsAnswer } from '../src/contracts/analytics-summary.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { layout } from './layout.ts';

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const when = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

export function answerDetail(a: AnalyticsAnswer): SafeHtml {
  const t = a.timings;
  const stages: Array<[string, number]> = [
    ['Queue wait', t.queueWaitMs],
    ['Retrieval', t.retrievalMs],
    ['First token', t.firstTokenMs],
    ['Generation', t.generationMs],
    ['Total', t.totalMs],
  ];
  return html`<article class="answer-detail" id="answer-detail" data-answer-id="${a.answerId}" tabindex="-1">
  <header class="detail-head">
    <h2>Answer details</h2>
    <a class="muted small" href="/analytics/answers/${encodeURIComponent(a.answerId)}">Link to this answer</a>
  </header>
  <h3>Question</h3>
  <p class="detail-question">${a.question}</p>
  <h3>Answer</h3>
  <div class="detail-answer">${a.answer}</div>
  <h3>Sources</h3>
  ${a.sources.length === 0
    ? html`<p class="muted">No sources were cited.</p>`
    : html`<ol class="detail-sources">${a.sources.map((s) => html`<li>${s.documentName}${s.page === null ? '' : html` <span class="muted">page ${String(s.page)}</span>`}</li>`)}</ol>`}
  <div class="detail-grid">
    <table class="table">
      <caption>Timings</caption>
      <tbody>${stages.map(([label, v]) => html`<tr><th scope="row">${label}</th><td class="num">${ms(v)}</td></tr>`)}</tbody>
    </table>
    <table class="table">
      <caption>Scores</caption>
      <tbody>
        <tr><th scope="row">Vote</th><td class="num">${a.vote ?? '–'}${a.votedAt === null ? '' : html` <span class="muted small">${when(a.votedAt)}</span>`}</td></tr>
        <tr><th scope="row">Question sentiment</th><td class="num">${a.scores.question.comparative.toFixed(3)} <span class="muted small">(score ${String(a.scores.question.score)})</span></td></tr>
        <tr><th scope="row">Answer sentiment</th><td class="num">${a.scores.answer.comparative.toFixed(3)} <span class="muted small">(score ${String(a.scores.answer.score)})</span></td></tr>
        <tr><th scope="row">Tokens</th><td class="num">${String(a.tokens.prompt)} prompt · ${String(a.tokens.completion)} generated</td></tr>
        <tr><th scope="row">Tokens / s</th><td class="num">${a.tokensPerSecond === null ? '–' : a.tokensPerSecond.toFixed(1)}</td></tr>
        <tr><th scope="row">Worker</th><td class="num">${a.worker}</td></tr>
        <tr><th scope="row">Model</th><td class="num">${a.model}</td></tr>
        <tr><th scope="row">Answered</th><td class="num">${when(a.at)}</td></tr>
      </tbody>
    </table>
  </div>
</article>`;
}

export function answerDetailPage(a: AnalyticsAnswer): SafeHtml {
  const body = html`<p><a href="/analytics">← Analytics</a></p><section class="card">${answerDetail(a)}</section>`;
  return layout({ title: 'Answer details', page: 'analytics', body, scripts: [] });
}
