/**
 * The Ask page. The form is driven by /static/ask.js, which POSTs JSON to /api/ask and reads the
 * Server-Sent Events stream (sources, token..., done | error), writing model text with textContent
 * only. Why not htmx: htmx 4 core buffers the whole body (`response.text()`); streaming needs its
 * hx-sse extension, which swaps unnamed events as HTML and turns named events into DOM events, so
 * the JSON events of /api/ask would need script anyway. One small module keeps one protocol.
 */
import { SETTING_RANGES } from '../src/contracts/settings.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { thumbDown, thumbUp } from './icons.ts';
import { layout } from './layout.ts';

type RangedName = keyof typeof SETTING_RANGES;

const FIELDS: { name: RangedName; label: string; step: string }[] = [
  { name: 'temperature', label: 'Temperature', step: '0.05' },
  { name: 'topK', label: 'Top-k', step: '1' },
  { name: 'topP', label: 'Top-p', step: '0.05' },
  { name: 'maxTokens', label: 'Max tokens', step: '1' },
  { name: 'k', label: 'Passages (k)', step: '1' },
  { name: 'repeatPenalty', label: 'Repeat penalty', step: '0.05' },
];

function settingField(f: (typeof FIELDS)[number]): SafeHtml {
  const r = SETTING_RANGES[f.name];
  const id = `setting-${f.name}`;
  return html`<div class="setting">
  <label for="${id}">${f.label} <span class="range">${r.min}–${r.max}</span></label>
  <input id="${id}" name="${f.name}" type="number" min="${r.min}" max="${r.max}" step="${f.step}" value="${r.default}" required>
  <small>${r.help}</small>
</div>`;
}

export function askPage(maxQuestionChars: number): SafeHtml {
  const body = html`
<h1>Ask your documents</h1>
<form id="ask-form" class="card" novalidate>
  <label for="question">Question</label>
  <textarea id="question" name="question" rows="3" maxlength="${maxQuestionChars}" required
    placeholder="What would you like to know from your documents?"></textarea>
  <details class="settings">
    <summary>Settings</summary>
    <div class="settings-grid">
      ${FIELDS.map(settingField)}
      <div class="setting">
        <label for="setting-seed">Seed <span class="range">optional</span></label>
        <input id="setting-seed" name="seed" type="number" min="0" max="4294967295" step="1" placeholder="random">
        <small>Same seed and settings give the same answer; empty picks a random one.</small>
      </div>
    </div>
  </details>
  <div class="actions">
    <button type="submit" id="ask-button">Ask</button>
    <button type="button" id="stop-button" class="secondary" hidden>Stop</button>
    <span id="ask-status" class="muted" aria-live="polite"></span>
  </div>
</form>
<div id="ask-error" aria-live="assertive"></div>
<section id="answer" class="card answer" hidden aria-live="polite">
  <h2>Answer</h2>
  <div id="answer-text" class="answer-text"></div>
  <p id="answer-meta" class="muted"></p>
  <div id="vote" class="vote" hidden>
    <span>Was this helpful?</span>
    <button type="button" class="vote-button" data-vote="up" aria-label="Thumbs up" aria-pressed="false">${thumbUp} Yes</button>
    <button type="button" class="vote-button" data-vote="down" aria-label="Thumbs down" aria-pressed="false">${thumbDown} No</button>
    <span id="vote-status" class="muted" aria-live="polite"></span>
  </div>
  <h3>Sources</h3>
  <ol id="sources" class="sources"></ol>
</section>`;
  return layout({ title: 'Ask', page: 'ask', body, scripts: ['/static/ask.js'] });
}
