// Ask page behaviour: a chat. Each question is appended as a turn (cloned from #turn-template) and
// POSTed to /api/ask with Accept: text/event-stream and the chat's id; the Server-Sent Events are
// rendered as they arrive (searched, sources, reading, token..., done | error; `restart` when the
// worker answering died and another starts the answer again; `reading` shows "Reading 4 passages,
// about 3 s…" in the answer area until the first token replaces it). Regenerate streams a new
// answer into the same turn via /api/answers/:answerId/regenerate ("Regenerate with…" adds a style
// request, `feedback`: ./regen-feedback.js). Model output and document text
// are untrusted: they are written with textContent only, never as HTML. The chat list and the
// chat's heading (rename, delete, "Show more") are ./chat-list.js; the answer's [n] links and each
// source's citation label are ./citations.js. Each question carries the
// collections checked in the chooser (`collections`, ids; none: all), which the server keeps with
// the chat. The settings, presets and chooser are ./ask-settings.js; a turn's parts and endings
// ./ask-turn.js; its sources ./ask-sources.js; the stream reader ./ask-stream.js.
import { initChatList, listNewChat } from './chat-list.js';
import { renderAnswer } from './citations.js';
import { initRegenFeedback, showFeedback } from './regen-feedback.js';
import { applyPreset, readCollections, readSettings, showCollections, syncPresets } from './ask-settings.js';
import { renderSources } from './ask-sources.js';
import { readStream } from './ask-stream.js';
import { clearReading, endTurn, ms, part, readingText, resetTurn } from './ask-turn.js';

const $ = (id) => document.getElementById(id);

const form = $('ask-form');
const askButton = $('ask-button');
const stopButton = $('stop-button');
const statusLine = $('ask-status');
const errorBox = $('ask-error');
const conversation = $('conversation');
const turnTemplate = $('turn-template');

let chatId = conversation.dataset.chatId || undefined;
let controller;

function showError(message, field) {
  errorBox.replaceChildren();
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  if (!message) return;
  const alert = document.createElement('div');
  alert.className = 'alert alert-error';
  alert.setAttribute('role', 'alert');
  alert.textContent = message;
  errorBox.append(alert);
  const input = field && form.elements.namedItem(field);
  if (input instanceof HTMLElement) {
    input.setAttribute('aria-invalid', 'true');
    if (field !== 'question') form.querySelector('details.settings').open = true;
    input.focus();
  }
}

form.addEventListener('change', (event) => {
  if (event.target?.name === 'collections') showCollections(form);
});

function rememberChat(id, question) {
  if (!id || chatId === id) return;
  chatId = id;
  conversation.dataset.chatId = id;
  // The address names the chat, so reload and back come back to it.
  history.replaceState(null, '', `/chats/${encodeURIComponent(id)}`);
  listNewChat(id, question);
}

function onEvent(turn, event, data, question) {
  if (['token', 'done', 'restart', 'error'].includes(event)) clearReading(turn);
  if (event === 'searched') {
    part(turn, 'searched-text').textContent = data.searchedFor;
    part(turn, 'searched').hidden = false;
  } else if (event === 'sources') {
    renderSources(turn, data);
    statusLine.textContent = 'Writing the answer…';
  } else if (event === 'reading') {
    const text = part(turn, 'answer-text');
    // Only while nothing of the answer is shown (a late note never covers text).
    if (text.textContent === '' || text.classList.contains('answer-reading')) {
      text.classList.add('answer-reading');
      text.textContent = readingText(data);
    }
  } else if (event === 'restart') {
    // The text so far came from a worker that stopped; the next one writes the answer anew.
    part(turn, 'answer-text').textContent = '';
    statusLine.textContent = `The worker answering stopped; ${data.worker} is answering again…`;
  } else if (event === 'token') {
    part(turn, 'answer-text').textContent += data.text;
  } else if (event === 'done') {
    turn.dataset.answerId = data.answerId;
    rememberChat(data.chatId, question);
    renderAnswer(part(turn, 'answer-text'), data.answer, data.sources, data.answerId);
    renderSources(turn, data.sources, data.answerId);
    const t = data.timings;
    part(turn, 'answer-meta').textContent = `Answered by ${data.worker} · first token ${ms(t.firstTokenMs)} · retrieval ${ms(t.retrievalMs)} · generation ${ms(t.generationMs)} · total ${ms(t.totalMs)}`;
    part(turn, 'vote').hidden = false;
    part(turn, 'vote-choice').hidden = false;
    turn.dataset.status = 'done';
    statusLine.textContent = '';
  } else if (event === 'error') {
    // The error belongs to this turn (as on a reopened chat), not to the form.
    endTurn(turn, 'error', data.error);
    statusLine.textContent = '';
  }
}
/** Streams one answer into `turn`; the turn is removed again when a new question is refused. */
async function run(turn, url, body, question, isNew) {
  controller = new AbortController();
  askButton.disabled = true;
  stopButton.hidden = false;
  statusLine.textContent = 'Searching your documents…';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    if (!res.ok) {
      const err = await res.json().catch(() => ({ error: `The server answered ${res.status}.` }));
      const retry = res.headers.get('Retry-After');
      // 503 = busy (the request queue is full) or a broker briefly away: both pass with time.
      showError(res.status === 503 ? `${err.error} Try again in ${retry ?? 5} s.` : err.error, err.field);
      statusLine.textContent = '';
      if (isNew) turn.remove();
      if (isNew && conversation.children.length === 0 && $('empty-chat')) $('empty-chat').hidden = false;
      return false;
    }
    // Known before the first reply, so a stopped answer still continues this chat.
    rememberChat(res.headers.get('Docent-Chat-Id'), question);
    turn.dataset.answerId = res.headers.get('Docent-Answer-Id') ?? turn.dataset.answerId;
    await readStream(res.body, (event, data) => onEvent(turn, event, data, question));
    return true;
  } catch (err) {
    if (err.name === 'AbortError') {
      statusLine.textContent = '';
      endTurn(turn, 'stopped', 'Stopped before the answer was complete.');
      return true;
    }
    showError(`Could not reach the server: ${err.message}`);
    return false;
  } finally {
    askButton.disabled = false;
    stopButton.hidden = true;
    controller = undefined;
    // Ready for the next question, unless a refusal put the focus on the field to fix.
    if (!errorBox.hasChildNodes()) $('question').focus();
  }
}

async function ask(event) {
  event.preventDefault();
  showError();
  const field = form.elements.namedItem('question');
  const question = field.value;
  if (question.trim() === '') {
    showError('Type a question first.', 'question');
    return;
  }
  const turn = turnTemplate.content.firstElementChild.cloneNode(true);
  part(turn, 'question-text').textContent = question.trim();
  turn.dataset.status = 'pending';
  if ($('empty-chat')) $('empty-chat').hidden = true;
  conversation.append(turn);
  turn.scrollIntoView({ block: 'nearest' });
  const ok = await run(turn, '/api/ask', { question, chatId, settings: readSettings(form), collections: readCollections(form) }, question, true);
  if (ok) field.value = '';
}

async function regenerate(turn, feedback) {
  const answerId = turn.dataset.answerId;
  if (!answerId || askButton.disabled) return;
  showError();
  resetTurn(turn);
  showFeedback(turn, feedback);
  const question = part(turn, 'question-text').textContent;
  const body = feedback ? { settings: readSettings(form), feedback } : { settings: readSettings(form) };
  await run(turn, `/api/answers/${encodeURIComponent(answerId)}/regenerate`, body, question, false);
}

async function vote(turn, button) {
  const answerId = turn.dataset.answerId;
  if (!answerId) return;
  const status = part(turn, 'vote-status');
  const choice = button.dataset.vote;
  status.textContent = 'Saving…';
  const res = await fetch('/api/votes', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ answerId, vote: choice }),
  }).catch((err) => ({ ok: false, json: async () => ({ error: err.message }) }));
  if (res.ok) {
    turn.querySelectorAll('.vote-button').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    status.textContent = `Vote recorded: ${choice === 'up' ? 'helpful' : 'not helpful'}. Thanks!`;
  } else {
    const body = await res.json().catch(() => ({}));
    status.textContent = `Vote not recorded: ${body.error ?? 'please try again.'}`;
  }
}

form.addEventListener('submit', ask);
stopButton.addEventListener('click', () => controller?.abort());
conversation.addEventListener('click', (event) => {
  const turn = event.target.closest('.turn');
  if (!turn) return;
  const voteButton = event.target.closest('button[data-vote]');
  if (voteButton) void vote(turn, voteButton);
  else if (event.target.closest('.regenerate-button')) void regenerate(turn);
});
form.addEventListener('click', (event) => {
  const preset = event.target.closest('button.preset');
  if (preset) applyPreset(form, preset);
});
initChatList(showError);
initRegenFeedback(conversation, regenerate, showError);
form.addEventListener('input', (event) => {
  if (['temperature', 'topP', 'topK'].includes(event.target.name)) syncPresets(form);
});
syncPresets(form);
form.elements.namedItem('question').addEventListener('keydown', (e) => {
  // Enter asks, as in most chat tools; Shift+Enter is a new line; an IME composition is left alone.
  if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
  e.preventDefault();
  if (!askButton.disabled) form.requestSubmit();
  else statusLine.textContent = 'An answer is still being written: wait for it, or press Stop.';
});
