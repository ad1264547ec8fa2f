/**
 * Regenerate with feedback, on a turn of the Ask page: the note saying which style request the
 * answer was written with ("Regenerated with: shorter"), and the small form that asks for one
 * next to Regenerate. /static/regen-feedback.js opens the form and sends its text as `feedback`.
 * The request is the person's own text: escaped like every other value (html``).
 */
import { MAX_FEEDBACK_CHARS } from '../src/contracts/answer.ts';
import { html, type SafeHtml } from '../src/web/html.ts';

/** The note under the question; hidden when the answer had no style request. */
export function regenFeedbackNote(feedback: string | null | undefined): SafeHtml {
  return html`<p class="regen-feedback muted small"${feedback ? '' : html` hidden`}>Regenerated with: <span class="regen-feedback-text">${feedback ?? ''}</span></p>`;
}

/** The button that opens the form, beside Regenerate. */
export const regenWithButton = html`<button type="button" class="secondary regen-with-button" aria-expanded="false" title="Write the answer again following a short instruction, such as shorter or in French">Regenerate with…</button>`;

/** The form itself, closed until the button opens it. */
export function regenFeedbackForm(): SafeHtml {
  return html`<form class="regen-form" hidden novalidate>
    <label class="small">Instruction for the new answer
      <input type="text" name="feedback" class="regen-feedback-input" maxlength="${MAX_FEEDBACK_CHARS}" data-max="${MAX_FEEDBACK_CHARS}" placeholder="shorter · only from the PDF · in French" autocomplete="off">
    </label>
    <button type="submit" class="regen-submit">Regenerate</button>
    <button type="button" class="secondary regen-cancel">Cancel</button>
    <small class="muted">For this answer only, at most ${MAX_FEEDBACK_CHARS} characters; the answer still comes from your documents.</small>
  </form>`;
}
