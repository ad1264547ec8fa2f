// Regenerate with feedback on the Ask page: "Regenerate with…" opens a turn's small form
// (templates/chat-regen.ts); its text goes to the new answer as `feedback` (a style request such as
// "shorter", for that answer only) and is shown above it as "Regenerated with: …". The text is the
// person's own: it is written with textContent only. The server checks the length again (400).

const part = (turn, cls) => turn.querySelector(`.${cls}`);

/** Shows (or, with no text, hides) the style request a turn's answer is written with. */
export function showFeedback(turn, feedback) {
  part(turn, 'regen-feedback-text').textContent = feedback ?? '';
  part(turn, 'regen-feedback').hidden = !feedback;
}

function openForm(turn, open) {
  const form = part(turn, 'regen-form');
  form.hidden = !open;
  part(turn, 'regen-with-button').setAttribute('aria-expanded', String(open));
  if (open) part(turn, 'regen-feedback-input').focus();
}

/**
 * Wires the forms of every turn in `conversation` (present and future). `regenerate(turn, feedback)`
 * streams the new answer; `showError(message, field)` reports a problem the person can fix.
 */
export function initRegenFeedback(conversation, regenerate, showError) {
  conversation.addEventListener('click', (event) => {
    const turn = event.target.closest('.turn');
    if (!turn) return;
    if (event.target.closest('.regen-with-button')) openForm(turn, part(turn, 'regen-form').hidden);
    else if (event.target.closest('.regen-cancel')) openForm(turn, false);
  });
  conversation.addEventListener('keydown', (event) => {
    const turn = event.target.closest('.regen-form') && event.target.closest('.turn');
    if (turn && event.key === 'Escape') openForm(turn, false);
  });
  conversation.addEventListener('submit', (event) => {
    const form = event.target.closest('.regen-form');
    if (!form) return;
    event.preventDefault();
    const turn = form.closest('.turn');
    const input = part(turn, 'regen-feedback-input');
    const feedback = input.value.replace(/\s+/g, ' ').trim();
    const max = Number(input.dataset.max) || 200;
    if (feedback === '') {
      input.focus();
      return;
    }
    if (feedback.length > max) {
      showError(`The instruction is too long: ${feedback.length} characters, the limit is ${max}.`);
      return;
    }
    // The text stays in the field: reopening the form offers it again, to adjust.
    openForm(turn, false);
    void regenerate(turn, feedback);
  });
}
