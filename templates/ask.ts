/**
 * The Ask page. The form is driven by the module /static/ask.js, which POSTs JSON to /api/ask and
 * reads the Server-Sent Events stream (sources, token..., done | error), writing model text with
 * textContent only. Why not htmx: htmx 4 core buffers the whole body (`response.text()`); streaming needs its
 * hx-sse extension, which swaps unnamed events as HTML and turns named events into DOM events, so
 * the JSON events of /api/ask would need script anyway. One small module keeps one protocol.
 *
 * The page is a chat: the sidebar lists chats, /chats/:id reopens one (its turns rendered here,
 * its last settings in the form), and each new question is appended as a turn; /static/chat-list.js
 * renames, deletes and pages through the chats. The collection chooser (chat-collections.ts) says
 * which collections the chat asks over; ask.js sends the checked ones with each question.
 */
import type { ChatPage, ChatView } from '../src/chats/chat-store.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { SETTING_RANGES, type Settings } from '../src/contracts/settings.ts';
import { html, type SafeHtml } from '../src/web/html.ts';
import { chatSidebar, presetButtons, turnView } from './chat.ts';
import { collectionChooser } from './chat-collections.ts';
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

function settingField(f: (typeof FIELDS)[number], settings: Settings | undefined): SafeHtml {
  const r = SETTING_RANGES[f.name];
  const id = `setting-${f.name}`;
  return html`<div class="setting">
  <label for="${id}">${f.label} <span class="range">${r.min}–${r.max}</span></label>
  <input id="${id}" name="${f.name}" type="number" min="${r.min}" max="${r.max}" step="${f.step}" value="${settings?.[f.name] ?? r.default}" data-default="${r.default}" required>
  <small>${r.help}</small>
</div>`;
}

export interface AskPageOptions {
  maxQuestionChars: number;
  /** The newest page of chats for the list. */
  chats: ChatPage;
  /** The chat being continued; its turns are shown and its last settings prefill the form. */
  chat?: ChatView | undefined;
  /** Every collection, for the chooser (the chat's choice is checked). */
  collections?: CollectionView[] | undefined;
}

export function askPage({ maxQuestionChars, chats, chat, collections = [] }: AskPageOptions): SafeHtml {
  const settings = chat?.settings;
  const body = html`
<div class="chat-layout">
${chatSidebar(chats, chat?.id)}
<div class="chat-main">
<div class="chat-head">
  <h1 id="chat-title">${chat ? chat.title : 'Ask your documents'}</h1>
  <div class="chat-actions"${chat ? '' : html` hidden`}>
    <button type="button" id="rename-chat" class="secondary" data-chat-id="${chat?.id ?? ''}">Rename</button>
    <button type="button" id="delete-chat" class="secondary" data-chat-id="${chat?.id ?? ''}">Delete chat</button>
  </div>
</div>
<div id="conversation" data-chat-id="${chat?.id ?? ''}" aria-live="polite">${(chat?.turns ?? []).map((t) => turnView(t))}</div>
${chat ? '' : html`<p id="empty-chat" class="empty-chat">Ask a question about the documents you uploaded. Answers cite the passages they come from; follow-up questions continue the same chat.</p>`}
<template id="turn-template">${turnView()}</template>
<div id="ask-error" aria-live="assertive"></div>
<form id="ask-form" class="card" novalidate>
  <label for="question">${chat ? 'Follow-up question' : 'Question'}</label>
  <textarea id="question" name="question" rows="3" maxlength="${maxQuestionChars}" required aria-describedby="question-hint"
    placeholder="${chat ? 'Ask a follow-up: earlier questions and answers are taken into account.' : 'What would you like to know from your documents?'}"></textarea>
  <p class="question-hint muted small" id="question-hint">Enter sends · Shift+Enter starts a new line</p>
  ${collectionChooser(collections, chat?.collections ?? [])}
  <details class="settings">
    <summary>Settings</summary>
    ${presetButtons()}
    <div class="settings-grid">
      ${FIELDS.map((f) => settingField(f, settings))}
      <div class="setting">
        <label for="setting-seed">Seed <span class="range">optional</span></label>
        <input id="setting-seed" name="seed" type="number" min="0" max="4294967295" step="1" placeholder="random" value="${settings?.seed ?? ''}">
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
</div>
</div>`;
  return layout({ title: chat ? chat.title : 'Ask', page: 'ask', body, modules: ['/static/ask.js'] });
}
