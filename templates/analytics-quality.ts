/**
 * The Quality page of analytics: what a document owner acts on. Three sections, each with what it
 * means and its threshold spelled out: knowledge gaps (refused or low-similarity questions, grouped
 * by wording), documents most and never cited, and down-voted answers with their sources (paged,
 * each links to its full record). Same range links and collection/user filters as the overview.
 * Questions, answers and document names are user and model text: escaped like every value.
 */
import type { AnalyticsQuality } from '../src/contracts/analytics-quality.ts';
import { channelOfScope, collectionOfScope, userOfScope } from '../src/contracts/analytics-scope.ts';
import { ANALYTICS_RANGES } from '../src/contracts/analytics-summary.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { channelFilter, channelNote, collectionFilter, userFilter, type AnalyticsUser, type FilterState } from './analytics-filters.ts';
import { RANGE_LABELS } from './analytics.ts';
import { layout } from './layout.ts';

export type QualityView = AnalyticsQuality & { neverCitedTotal: number };

const when = (t: number): string => new Date(t).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
const sim = (v: number | null): string => (v === null ? '–' : v.toFixed(2));

/** `&collection=`, `&user=` or `&channel=` of the scope read ('' for all). */
function scopeParam(q: QualityView): string {
  const user = userOfScope(q.scope ?? undefined);
  const channel = channelOfScope(q.scope ?? undefined);
  if (q.scope === null) return '';
  return user !== undefined ? `&user=${encodeURIComponent(user)}` : channel !== undefined ? `&channel=${channel}` : `&collection=${encodeURIComponent(q.scope)}`;
}

/** The scope and the similarity threshold, kept across the page's links. */
const keep = (q: QualityView): string => `${scopeParam(q)}&minSimilarity=${q.minSimilarity}`;

function gaps(q: QualityView): SafeHtml {
  const g = q.gaps;
  const note = html`<p class="muted small">Questions answered "not found in your documents" (or a refusal in other words), or whose best retrieved passage had a cosine similarity below ${q.minSimilarity.toFixed(2)}. Questions that share most of their content words (Jaccard overlap ≥ 0.5) are one group.${g.grouped < g.questions ? ` The newest ${g.grouped} of ${g.questions} are grouped.` : ''}</p>`;
  if (g.groups.length === 0) return html`<h2>Knowledge gaps</h2>${note}<p class="empty">No refused or low-similarity questions in this period.</p>`;
  return html`<h2>Knowledge gaps <span class="muted small">${g.questions} questions</span></h2>${note}
<table class="table quality-gaps">
  <thead><tr><th>Question</th><th class="num">Asked</th><th class="num">Refused</th><th class="num">Best similarity</th><th>Last asked</th></tr></thead>
  <tbody>${g.groups.map(
    (x) => html`<tr>
    <td class="question">${x.example}${x.variants.length === 0 ? '' : html`<ul class="variants muted small">${x.variants.map((v) => html`<li>${v}</li>`)}</ul>`}</td>
    <td class="num">${x.count}</td><td class="num">${x.refused}</td><td class="num">${sim(x.bestSimilarity)}</td><td class="small">${when(x.lastAt)}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

function citations(q: QualityView): SafeHtml {
  const most =
    q.mostCited.length === 0
      ? html`<p class="empty">No answer of this period cites a document.</p>`
      : html`<table class="table most-cited"><thead><tr><th>Document</th><th class="num">Answers citing it</th><th>Last cited</th></tr></thead>
<tbody>${q.mostCited.map((d) => html`<tr><td>${d.documentName}</td><td class="num">${d.citations}</td><td class="small">${when(d.lastAt)}</td></tr>`)}</tbody></table>`;
  const never =
    q.neverCitedTotal === 0
      ? html`<p class="empty">Every document of the library was cited in this period.</p>`
      : html`<ul class="never-cited">${q.neverCited.map((d) => html`<li>${d.documentName}</li>`)}</ul>${
          q.neverCitedTotal > q.neverCited.length ? html`<p class="muted small">and ${q.neverCitedTotal - q.neverCited.length} more.</p>` : ''
        }`;
  return html`<h2>Documents most cited</h2>
<p class="muted small">How many answers of the period cite each document (a source the answer marks [n]).</p>${most}
<h2>Documents never cited <span class="muted small">${q.neverCitedTotal}</span></h2>
<p class="muted small">Documents of the library${collectionOfScope(q.scope ?? undefined) !== undefined ? ' (this collection)' : ''} that no answer of the period cites: out of date, hard to find, or not asked about.</p>${never}`;
}

function downvoted(q: QualityView, base: string): SafeHtml {
  const d = q.downvoted;
  const pages = Math.max(1, Math.ceil(d.total / d.pageSize));
  const nav =
    pages <= 1
      ? ''
      : html`<nav class="pager" aria-label="Down-voted pages">${d.page > 1 ? html`<a href="${`${base}&page=${d.page - 1}`}">← Newer</a>` : ''}
  <span class="muted small">Page ${d.page} of ${pages}</span>${d.page < pages ? html`<a href="${`${base}&page=${d.page + 1}`}">Older →</a>` : ''}</nav>`;
  const list =
    d.answers.length === 0
      ? html`<p class="empty">${d.total === 0 ? 'No down-voted answers in this period.' : 'No answers on this page.'}</p>`
      : html`<ol class="downvoted">${d.answers.map(
          (a) => html`<li class="downvoted-answer" data-answer-id="${a.answerId}">
  <p class="detail-question"><strong>${a.question}</strong> <span class="muted small">down-voted ${when(a.votedAt)}</span></p>
  <div class="detail-answer">${a.answer}</div>
  ${a.sources.length === 0
    ? html`<p class="muted small">No sources.</p>`
    : html`<ul class="detail-sources small">${a.sources.map((s) => html`<li>${s.documentName}${s.page === null ? '' : html` <span class="muted">page ${s.page}</span>`}${s.cited === true ? html` <span class="muted">cited</span>` : ''}</li>`)}</ul>`}
  <a class="small" href="/analytics/answers/${encodeURIComponent(a.answerId)}">Full record</a>
</li>`,
        )}</ol>`;
  return html`<h2>Down-voted answers <span class="muted small">${d.total}</span></h2>
<p class="muted small">Answers of the period whose current vote is down, the most recently down-voted first, with the passages they were given: check whether the documents were wrong, missing or misread.</p>${list}${nav}`;
}

export function qualityPage(q: QualityView, collections: readonly CollectionView[] = [], users: readonly AnalyticsUser[] = []): SafeHtml {
  const user = userOfScope(q.scope ?? undefined);
  const channel = channelOfScope(q.scope ?? undefined);
  const state: FilterState = { range: q.range, collection: collectionOfScope(q.scope ?? undefined) ?? null, user: user ?? null, channel: channel ?? null };
  const chosen = collections.find((c) => c.id === state.collection);
  const userName = user === undefined ? undefined : (users.find((u) => u.id === user)?.name ?? user);
  const base = `/analytics/quality?range=${q.range}${keep(q)}`;
  const body = html`
<h1>Analytics · Quality${chosen ? html` <span class="muted">· ${chosen.name}</span>` : ''}${userName !== undefined ? html` <span class="muted">· ${userName}</span>` : ''}</h1>
<nav class="ranges" aria-label="Period">
  ${ANALYTICS_RANGES.map((r) => html`<a href="/analytics/quality?range=${r}${keep(q)}"${r === q.range ? html` aria-current="true" class="active"` : ''}>${RANGE_LABELS[r]}</a>`)}
  ${collectionFilter(state, collections, '/analytics/quality')}
  ${users.length > 0 ? userFilter(state, users, '/analytics/quality') : ''}
  ${channelFilter(state, '/analytics/quality')}
  <a class="small" href="/analytics?range=${q.range}${scopeParam(q)}">← Overview</a>
</nav>
${channelNote(channel)}
<section class="card">${gaps(q)}</section>
<section class="card">${citations(q)}</section>
<section class="card">${downvoted(q, base)}</section>`;
  return layout({ title: 'Analytics · Quality', page: 'analytics', body, scripts: [] });
}
