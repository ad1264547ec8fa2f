/**
 * Pieces of the Ask page that show chats: the list of chats (sidebar), one turn of a conversation
 * (question, "searched for", "regenerated with", answer, meta, vote and regenerate (with feedback:
 * chat-regen.ts), sources), and the sampling presets.
 * /static/ask.js clones the empty turn (<template id="turn-template">) for new questions, so the
 * markup of a streamed turn and of a reopened one is the same.
 */
import { TITLE_CHARS, type ChatPage, type ChatSummary, type ChatTurn } from '../src/chats/chat-store.ts';
import { citationMarkers } from '../src/contracts/citations.ts';
import { placeOf } from '../src/contracts/location.ts';
import { OCR_NOTE, type Source } from '../src/contracts/source.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { regenFeedbackForm, regenFeedbackNote, regenWithButton } from './chat-regen.ts';
import { thumbDown, thumbUp } from './icons.ts';

/** Preset sampling settings; balanced is the defaults (empty fields fill in the defaults). */
export const PRESETS: { name: string; label: string; help: string; values: { temperature?: number; topP?: number; topK?: number } }[] = [
  { name: 'precise', label: 'Precise', help: 'Sticks to the likeliest words', values: { temperature: 0.1, topP: 0.9, topK: 20 } },
  { name: 'balanced', label: 'Balanced', help: 'The defaults', values: {} },
  { name: 'creative', label: 'Creative', help: 'More varied wording', values: { temperature: 1.0, topP: 0.95, topK: 80 } },
];

export function presetButtons(): SafeHtml {
  return html`<div class="presets" role="group" aria-label="Presets">
  <span class="muted small">Presets:</span>
  ${PRESETS.map((p) => html`<button type="button" class="secondary preset" data-preset="${p.name}" data-values="${JSON.stringify(p.values)}" title="${p.help}" aria-pressed="false">${p.label}</button>`)}
</div>
<p class="preset-help muted small">${PRESETS.map((p) => `${p.label}: ${p.help.toLowerCase()}`).join(' · ')}. A preset sets temperature, top-p and top-k.</p>`;
}

/** The chat list's entries: a link to each chat and a button to rename it in place. */
export function chatListItems(chats: ChatSummary[], currentId: string | undefined): SafeHtml[] {
  return chats.map(
    (c) => html`<li><a href="/chats/${encodeURIComponent(c.id)}" data-chat-id="${c.id}" title="${c.title}"${c.id === currentId ? html` aria-current="page" class="active"` : ''}>${c.title}</a><button type="button" class="rename-chat icon-button" data-chat-id="${c.id}" aria-label="Rename chat: ${c.title}" title="Rename">✎</button></li>`,
  );
}

/** The chat list: the newest page of chats, and "Show more" for older ones while there are any. */
export function chatSidebar(page: ChatPage, currentId: string | undefined): SafeHtml {
  return html`<aside class="chat-list card" aria-label="Chats" data-title-max="${TITLE_CHARS}">
  <a class="new-chat" href="/">+ New chat</a>
  ${page.chats.length === 0 ? html`<p class="muted small">Your chats appear here.</p>` : html`<ul id="chat-list">${chatListItems(page.chats, currentId)}</ul>`}
  <button type="button" id="more-chats" class="secondary more-chats" data-next="${page.next ?? ''}"${page.next ? '' : html` hidden`}>Show more</button>
</aside>`;
}

/** Where a source opens: the passage highlighted in its document's text (with the answer: its supporting sentence too). */
export function sourceHref(s: Source, answerId?: string): string {
  const answer = answerId ? `&answer=${encodeURIComponent(answerId)}` : '';
  return `/documents/${encodeURIComponent(s.documentId)}/view?chunk=${encodeURIComponent(s.chunkId)}${answer}`;
}

/** The title of a citation link whose source failed the citation check (ask.js writes the same). */
export const UNSUPPORTED_TITLE = 'this source may not support the sentence';

/**
 * The answer text with each [n] that names a source as a link to its passage; a source the citation
 * check found not to support its sentence gets class `cite-unsupported` and UNSUPPORTED_TITLE.
 * Numbers that name no source stay plain text. Text and attributes are escaped.
 */
export function answerWithCitations(answer: string, sources: readonly Source[], answerId?: string): SafeHtml {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  const parts: SafeHtml[] = [];
  let at = 0;
  for (const m of citationMarkers(answer)) {
    const known = m.numbers.filter((n) => byNumber.has(n));
    if (known.length === 0) continue;
    parts.push(html`${answer.slice(at, m.start)}`);
    parts.push(html`${m.numbers.map((n) => citeLink(n, byNumber.get(n), answerId))}`);
    at = m.end;
  }
  parts.push(html`${answer.slice(at)}`);
  return html`${parts}`;
}

function citeLink(n: number, s: Source | undefined, answerId: string | undefined): SafeHtml {
  if (!s) return html`[${n}]`;
  const weak = s.supported === false;
  return html`<a class="cite${weak ? ' cite-unsupported' : ''}" href="${sourceHref(s, answerId)}" target="_blank" rel="noopener" title="${weak ? UNSUPPORTED_TITLE : `Source ${n}: ${s.documentName}`}">[${n}]</a>`;
}

/** Cited, supported or not, or not cited: the citation check's word on a source (absent: unchecked). */
export function citationStatus(s: Source): { cls: string; text: string } | undefined {
  if (s.cited === undefined) return undefined;
  if (!s.cited) return { cls: 'source-uncited', text: 'not cited' };
  return s.supported === false ? { cls: 'source-unsupported', text: `cited · ${UNSUPPORTED_TITLE}` } : { cls: 'source-cited', text: 'cited' };
}

/** A web page's address as a link (http(s) only: the address was checked when the page was added). */
function webLink(s: Source): SafeHtml | string {
  if (s.sourceUrl === undefined || !/^https?:\/\//i.test(s.sourceUrl)) return '';
  return html` · <a class="source-url" href="${s.sourceUrl}" target="_blank" rel="noopener noreferrer nofollow">${s.sourceUrl}</a>`;
}

/** The passage's unit (page, slide, sheet rows, chapter) and the headings inside it; ask-sources.js writes the same. */
function placeHtml(s: Source): SafeHtml {
  const { location, headingPath } = placeOf(s);
  return html`${location === null ? '' : html` · <span class="source-location">${location}</span>`}${headingPath ? html` · <span class="heading-path">${headingPath}</span>` : ''}`;
}

function sourceItem(s: Source, answerId?: string): SafeHtml {
  const status = citationStatus(s);
  const excerpt = s.text.length > 400 ? `${s.text.slice(0, 400)}…` : s.text;
  return html`<li>
  <div class="source-head"><a class="source-link" href="${sourceHref(s, answerId)}" target="_blank" rel="noopener"><strong>${s.documentName}</strong></a>${placeHtml(s)}${s.collectionName ? html` · <span class="source-collection">${s.collectionName}</span>` : ''}${webLink(s)}${s.ocr ? html` · <span class="source-ocr" title="${OCR_NOTE}">${OCR_NOTE}</span>` : ''}<span class="muted small"> · relevance ${s.score.toFixed(2)}</span>${status ? html` · <span class="source-status ${status.cls}">${status.text}</span>` : ''}</div>
${s.flagged ? html`\n  <div class="source-flag" role="note">${flagText(s)}</div>` : ''}
  <blockquote>${excerpt}</blockquote>
</li>`;
}

/** The warning on a passage the injection guard flagged (ask-sources.js writes the same text). */
export function flagText(s: Pick<Source, 'flaggedReason'>): string {
  return `Flagged: this passage reads as instructions to the assistant${s.flaggedReason ? ` (${s.flaggedReason})` : ''}; it is not followed.`;
}

const ms = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);

export function turnMeta(t: Pick<ChatTurn, 'worker' | 'timings'>): string {
  if (!t.worker || !t.timings) return '';
  const x = t.timings;
  return `Answered by ${t.worker} · first token ${ms(x.firstTokenMs)} · retrieval ${ms(x.retrievalMs)} · generation ${ms(x.generationMs)} · total ${ms(x.totalMs)}`;
}

/** One turn; with no argument, the empty turn ask.js fills in. */
export function turnView(t?: ChatTurn): SafeHtml {
  const done = t?.status === 'done';
  // Ended without a complete answer: whatever text was written before is shown, marked as partial.
  const stopped = t?.status === 'stopped';
  const failed = t?.status === 'error';
  // Any ended turn can be regenerated; only a complete answer can be voted on.
  const actions = done || stopped || failed;
  return html`<article class="turn card" data-answer-id="${t?.answerId ?? ''}" data-status="${t?.status ?? ''}">
  <p class="turn-question"><span class="who">You</span> <span class="question-text">${t?.question ?? ''}</span></p>
  <p class="searched muted small"${t?.searchedFor ? '' : html` hidden`}>Searched for: <span class="searched-text">${t?.searchedFor ?? ''}</span></p>
  ${regenFeedbackNote(t?.feedback)}
  <div class="answer-text${done || !t?.answer ? '' : ' answer-partial'}">${t?.answer ? answerWithCitations(t.answer, done ? t.sources : [], t.answerId) : ''}</div>
  ${t?.status === 'pending' ? html`<p class="turn-stopped muted">This answer was still being written when the page loaded; reload to see it.</p>` : ''}
  ${stopped ? html`<p class="turn-stopped muted">${t.error ?? 'Stopped before the answer was complete.'}</p>` : failed ? html`<div class="alert alert-error turn-error">${t.error ?? 'No answer.'}</div>` : ''}
  <p class="answer-meta muted">${t ? turnMeta(t) : ''}</p>
  <div class="vote"${actions ? '' : html` hidden`}>
    <span class="vote-choice"${done ? '' : html` hidden`}><span>Was this helpful?</span>
    <button type="button" class="vote-button" data-vote="up" aria-label="Thumbs up" aria-pressed="false">${thumbUp} Yes</button>
    <button type="button" class="vote-button" data-vote="down" aria-label="Thumbs down" aria-pressed="false">${thumbDown} No</button></span>
    <button type="button" class="secondary regenerate-button" title="Ask the same question again and replace this answer">Regenerate</button>
    ${regenWithButton}
    <span class="vote-status muted" aria-live="polite"></span>
  </div>
  ${regenFeedbackForm()}
  <details class="turn-sources"${t ? '' : ' open'}>
    <summary>Sources</summary>
    <ol class="sources">${(t?.sources ?? []).map((s) => sourceItem(s, t?.answerId))}</ol>
  </details>
</article>`;
}
