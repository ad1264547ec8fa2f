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
// the chat.
import { initChatList, listNewChat } from './chat-list.js';
import { citationStatus, placeOf, renderAnswer, sourceHref } from './citations.js';
import { initRegenFeedback, showFeedback } from './regen-feedback.js';

const $ = (id) => document.getElementById(id);

const form = $('ask-form');
const askButton = $('ask-button');
const stopButton = $('stop-button');
const statusLine = $('ask-status');
const errorBox = $('ask-error');
const conversation = $('conversation');
const turnTemplate = $('turn-template');

const SETTINGS = ['temperature', 'topK', 'topP', 'maxTokens', 'k', 'repeatPenalty', 'seed'];
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

function readSettings() {
  const settings = {};
  for (const name of SETTINGS) {
    const value = form.elements.namedItem(name).value.trim();
    // Empty means "use the default" (seed: random); anything else goes as a number so the
    // server can say precisely what is out of range.
    if (value !== '') settings[name] = Number(value);
  }
  return settings;
}

// The collection chooser: the ids checked (none: all), and the line saying what the chat asks over.
const collectionBoxes = () => Array.from(form.querySelectorAll('input[name=collections]'));
function readCollections() {
  return collectionBoxes().filter((b) => b.checked).map((b) => b.value);
}
function showCollections() {
  const line = $('collections-summary');
  if (!line) return;
  const names = collectionBoxes().filter((b) => b.checked).map((b) => b.dataset.name);
  line.textContent = names.length === 0 ? 'all collections' : names.join(', ');
}
form.addEventListener('change', (event) => {
  if (event.target?.name === 'collections') showCollections();
});

function ms(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

const part = (turn, cls) => turn.querySelector(`.${cls}`);

function renderSources(turn, sources, answerId) {
  const list = part(turn, 'sources');
  list.replaceChildren(
    ...sources.map((s) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      head.className = 'source-head';
      const link = document.createElement('a');
      link.className = 'source-link';
      link.href = sourceHref(s, answerId);
      link.target = '_blank';
      link.rel = 'noopener';
      const name = document.createElement('strong');
      name.textContent = s.documentName;
      link.append(name);
      head.append(link);
      const place = placeOf(s);
      if (place.location) {
        const loc = document.createElement('span');
        loc.className = 'source-location';
        loc.textContent = place.location;
        head.append(' · ', loc);
      }
      if (place.headingPath) {
        const hp = document.createElement('span');
        hp.className = 'heading-path';
        hp.textContent = place.headingPath;
        head.append(' · ', hp);
      }
      if (s.collectionName) {
        const collection = document.createElement('span');
        collection.className = 'source-collection';
        collection.textContent = s.collectionName;
        head.append(' · ', collection);
      }
      if (typeof s.sourceUrl === 'string' && /^https?:\/\//i.test(s.sourceUrl)) {
        // A web page's address, as templates/chat.ts (webLink) renders it.
        const web = document.createElement('a');
        web.className = 'source-url';
        web.href = s.sourceUrl;
        web.target = '_blank';
        web.rel = 'noopener noreferrer nofollow';
        web.textContent = s.sourceUrl;
        head.append(' · ', web);
      }
      if (s.ocr === true) {
        // The same note as templates/chat.ts (OCR_NOTE).
        const ocr = document.createElement('span');
        ocr.className = 'source-ocr';
        ocr.textContent = 'text recognised by OCR; may contain errors';
        head.append(' · ', ocr);
      }
      const score = document.createElement('span');
      score.className = 'muted small';
      score.textContent = ` · relevance ${Number(s.score).toFixed(2)}`;
      head.append(score);
      const status = citationStatus(s);
      if (status) {
        const label = document.createElement('span');
        label.className = `source-status ${status.cls}`;
        label.textContent = status.text;
        head.append(' · ', label);
      }
      const excerpt = document.createElement('blockquote');
      excerpt.textContent = s.text.length > 400 ? `${s.text.slice(0, 400)}…` : s.text;
      li.append(head);
      if (s.flagged === true) {
        // The injection guard's warning (templates/chat.ts flagText): text only, never markup.
        const flag = document.createElement('div');
        flag.className = 'source-flag';
        flag.setAttribute('role', 'note');
        flag.textContent = `Flagged: this passage reads as instructions to the assistant${s.flaggedReason ? ` (${s.flaggedReason})` : ''}; it is not followed.`;
        li.append(flag);
      }
      li.append(excerpt);
      return li;
    }),
  );
  if (sources.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No passages matched: upload documents on the Documents page.';
    list.append(li);
  }
}

function rememberChat(id, question) {
  if (!id || chatId === id) return;
  chatId = id;
  conversation.dataset.chatId = id;
  // The address names the chat, so reload and back come back to it.
  history.replaceState(null, '', `/chats/${encodeURIComponent(id)}`);
  listNewChat(id, question);
}

/** "Reading 4 passages, about 3 s…": what the model does before its first token. */
function readingText(data) {
  const n = Number(data.passages) || 0;
  const what = `Reading ${n} ${n === 1 ? 'passage' : 'passages'}`;
  if (typeof data.estimateMs !== 'number') return `${what}…`;
  return `${what}, about ${Math.max(1, Math.round(data.estimateMs / 1000))} s…`;
}

/** Takes the reading note out of the answer area (the answer's own text goes there). */
function clearReading(turn) {
  const text = part(turn, 'answer-text');
  if (!text.classList.contains('answer-reading')) return;
  text.classList.remove('answer-reading');
  text.textContent = '';
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

// Minimal SSE reader: events are separated by a blank line; we only send `event:` and one `data:`.
async function readStream(body, onBlock) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (data !== '') onBlock(event, JSON.parse(data));
    }
  }
}

/** Marks a turn that ended without a complete answer (its text so far stays); it can be regenerated. */
function endTurn(turn, status, message) {
  clearReading(turn);
  turn.dataset.status = status;
  part(turn, 'answer-text').classList.toggle('answer-partial', part(turn, 'answer-text').textContent !== '');
  const note = document.createElement(status === 'stopped' ? 'p' : 'div');
  note.className = status === 'stopped' ? 'turn-stopped muted' : 'alert alert-error turn-error';
  if (status !== 'stopped') note.setAttribute('role', 'alert');
  note.textContent = message;
  part(turn, 'answer-meta').before(note);
  if (turn.dataset.answerId) {
    part(turn, 'vote').hidden = false;
    part(turn, 'vote-choice').hidden = true;
  }
}

function resetTurn(turn) {
  turn.dataset.status = 'pending';
  for (const cls of ['answer-text', 'answer-meta', 'vote-status', 'searched-text']) part(turn, cls).textContent = '';
  part(turn, 'turn-error')?.remove();
  part(turn, 'turn-stopped')?.remove();
  part(turn, 'answer-text').classList.remove('answer-partial', 'answer-reading');
  part(turn, 'searched').hidden = true;
  part(turn, 'sources').replaceChildren();
  part(turn, 'vote').hidden = true;
  turn.querySelectorAll('.vote-button').forEach((b) => b.setAttribute('aria-pressed', 'false'));
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
  const ok = await run(turn, '/api/ask', { question, chatId, settings: readSettings(), collections: readCollections() }, question, true);
  if (ok) field.value = '';
}

async function regenerate(turn, feedback) {
  const answerId = turn.dataset.answerId;
  if (!answerId || askButton.disabled) return;
  showError();
  resetTurn(turn);
  showFeedback(turn, feedback);
  const question = part(turn, 'question-text').textContent;
  const body = feedback ? { settings: readSettings(), feedback } : { settings: readSettings() };
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

function applyPreset(button) {
  const values = JSON.parse(button.dataset.values);
  // A preset sets the sampling controls; the ones it does not name go back to their defaults.
  for (const name of ['temperature', 'topP', 'topK']) {
    const input = form.elements.namedItem(name);
    input.value = String(values[name] ?? input.dataset.default);
  }
  syncPresets();
}

/** Marks the preset the sampling controls match now (none after a hand-made change). */
function syncPresets() {
  for (const b of form.querySelectorAll('.preset')) {
    const values = JSON.parse(b.dataset.values);
    const matches = ['temperature', 'topP', 'topK'].every((name) => {
      const input = form.elements.namedItem(name);
      return Number(input.value) === Number(values[name] ?? input.dataset.default);
    });
    b.setAttribute('aria-pressed', String(matches));
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
  if (preset) applyPreset(preset);
});
initChatList(showError);
initRegenFeedback(conversation, regenerate, showError);
form.addEventListener('input', (event) => {
  if (['temperature', 'topP', 'topK'].includes(event.target.name)) syncPresets();
});
syncPresets();
form.elements.namedItem('question').addEventListener('keydown', (e) => {
  // Enter asks, as in most chat tools; Shift+Enter is a new line; an IME composition is left alone.
  if (e.key !== 'Enter' || e.shiftKey || e.isComposing) return;
  e.preventDefault();
  if (!askButton.disabled) form.requestSubmit();
  else statusLine.textContent = 'An answer is still being written: wait for it, or press Stop.';
});
