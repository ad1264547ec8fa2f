// Ask page behaviour: POSTs the question to /api/ask with Accept: text/event-stream and renders the
// Server-Sent Events as they arrive (sources, token..., done | error; `restart` when the worker
// answering died and another starts the answer again). Model output and document
// text are untrusted: they are written with textContent only, never as HTML.
const $ = (id) => document.getElementById(id);

const form = $('ask-form');
const askButton = $('ask-button');
const stopButton = $('stop-button');
const statusLine = $('ask-status');
const errorBox = $('ask-error');
const answerBox = $('answer');
const answerText = $('answer-text');
const answerMeta = $('answer-meta');
const sourcesList = $('sources');
const voteBox = $('vote');
const voteStatus = $('vote-status');

const SETTINGS = ['temperature', 'topK', 'topP', 'maxTokens', 'k', 'repeatPenalty', 'seed'];
let chatId;
let answerId;
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

function ms(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

function renderSources(sources) {
  sourcesList.replaceChildren(
    ...sources.map((s) => {
      const li = document.createElement('li');
      const head = document.createElement('div');
      head.className = 'source-head';
      const name = document.createElement('strong');
      name.textContent = s.documentName;
      head.append(name);
      if (s.page !== null && s.page !== undefined) head.append(` · page ${s.page}`);
      const score = document.createElement('span');
      score.className = 'muted small';
      score.textContent = ` · relevance ${Number(s.score).toFixed(2)}`;
      head.append(score);
      const excerpt = document.createElement('blockquote');
      excerpt.textContent = s.text.length > 400 ? `${s.text.slice(0, 400)}…` : s.text;
      li.append(head, excerpt);
      return li;
    }),
  );
  if (sources.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No passages matched: upload documents on the Documents page.';
    sourcesList.append(li);
  }
}

function onEvent(event, data) {
  if (event === 'sources') {
    renderSources(data);
    statusLine.textContent = 'Writing the answer…';
  } else if (event === 'restart') {
    // The text so far came from a worker that stopped; the next one writes the answer anew.
    answerText.textContent = '';
    statusLine.textContent = `The worker answering stopped; ${data.worker} is answering again…`;
  } else if (event === 'token') {
    answerText.textContent += data.text;
  } else if (event === 'done') {
    answerId = data.answerId;
    chatId = data.chatId ?? chatId;
    answerText.textContent = data.answer;
    renderSources(data.sources);
    const t = data.timings;
    answerMeta.textContent = `Answered by ${data.worker} · first token ${ms(t.firstTokenMs)} · retrieval ${ms(t.retrievalMs)} · generation ${ms(t.generationMs)} · total ${ms(t.totalMs)}`;
    voteBox.hidden = false;
    statusLine.textContent = '';
  } else if (event === 'error') {
    showError(data.error);
    statusLine.textContent = '';
  }
}

// Minimal SSE reader: events are separated by a blank line; we only send `event:` and one `data:`.
async function readStream(body) {
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
      if (data !== '') onEvent(event, JSON.parse(data));
    }
  }
}

function resetAnswer() {
  answerId = undefined;
  answerBox.hidden = true;
  answerText.textContent = '';
  answerMeta.textContent = '';
  sourcesList.replaceChildren();
  voteBox.hidden = true;
  voteStatus.textContent = '';
  voteBox.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', 'false'));
}

async function ask(event) {
  event.preventDefault();
  showError();
  const question = form.elements.namedItem('question').value;
  if (question.trim() === '') {
    showError('Type a question first.', 'question');
    return;
  }
  resetAnswer();
  controller = new AbortController();
  askButton.disabled = true;
  stopButton.hidden = false;
  statusLine.textContent = 'Searching your documents…';
  try {
    const res = await fetch('/api/ask', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ question, chatId, settings: readSettings() }),
      signal: controller.signal,
    });
    if (!res.ok) {
      const body = await res.json().catch(() => ({ error: `The server answered ${res.status}.` }));
      const retry = res.headers.get('Retry-After');
      // 503 = busy (the request queue is full) or a broker briefly away: both pass with time.
      showError(res.status === 503 ? `${body.error} Try again in ${retry ?? 5} s.` : body.error, body.field);
      statusLine.textContent = '';
      return;
    }
    answerBox.hidden = false;
    await readStream(res.body);
  } catch (err) {
    if (err.name === 'AbortError') statusLine.textContent = 'Stopped.';
    else showError(`Could not reach the server: ${err.message}`);
  } finally {
    askButton.disabled = false;
    stopButton.hidden = true;
  }
}

async function vote(event) {
  const button = event.target.closest('button[data-vote]');
  if (!button || !answerId) return;
  const choice = button.dataset.vote;
  voteStatus.textContent = 'Saving…';
  const res = await fetch('/api/votes', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ answerId, vote: choice }),
  }).catch((err) => ({ ok: false, json: async () => ({ error: err.message }) }));
  if (res.ok) {
    voteBox.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    voteStatus.textContent = `Vote recorded: ${choice === 'up' ? 'helpful' : 'not helpful'}. Thanks!`;
  } else {
    const body = await res.json().catch(() => ({}));
    voteStatus.textContent = `Vote not recorded: ${body.error ?? 'please try again.'}`;
  }
}

form.addEventListener('submit', ask);
stopButton.addEventListener('click', () => controller?.abort());
voteBox.addEventListener('click', vote);
form.elements.namedItem('question').addEventListener('keydown', (e) => {
  // Ctrl/Cmd+Enter asks, as in most chat tools.
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
});
