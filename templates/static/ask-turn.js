// One turn of the Ask page's conversation (for ./ask.js and ./ask-sources.js): its parts by class,
// the "Reading 4 passages, about 3 s…" note shown until the first token, a turn that ended without a
// complete answer (stopped or failed; its text so far stays), and a turn emptied for regeneration.
// Text is written with textContent only.
export function ms(v) {
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export const part = (turn, cls) => turn.querySelector(`.${cls}`);

/** "Reading 4 passages, about 3 s…": what the model does before its first token. */
export function readingText(data) {
  const n = Number(data.passages) || 0;
  const what = `Reading ${n} ${n === 1 ? 'passage' : 'passages'}`;
  if (typeof data.estimateMs !== 'number') return `${what}…`;
  return `${what}, about ${Math.max(1, Math.round(data.estimateMs / 1000))} s…`;
}

/** Takes the reading note out of the answer area (the answer's own text goes there). */
export function clearReading(turn) {
  const text = part(turn, 'answer-text');
  if (!text.classList.contains('answer-reading')) return;
  text.classList.remove('answer-reading');
  text.textContent = '';
}

/** Marks a turn that ended without a complete answer (its text so far stays); it can be regenerated. */
export function endTurn(turn, status, message) {
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

export function resetTurn(turn) {
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
