/**
 * Inline SVG icons (thumbs up/down). Emoji depend on the fonts a machine has; these always render.
 * raw() is safe here: the markup is a constant written by us, with no interpolated values.
 */
import { raw, type SafeHtml } from '../src/web/html.ts';

const THUMB =
  '<path d="M7 10v11H3V10h4zm2 11h8.3a2 2 0 0 0 2-1.6l1.3-7A2 2 0 0 0 18.6 10H14V5.5A2.5 2.5 0 0 0 11.5 3L9 10v11z" fill="currentColor"/>';

export const thumbUp: SafeHtml = raw(`<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">${THUMB}</svg>`);
export const thumbDown: SafeHtml = raw(
  `<svg class="icon icon-down" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><g transform="rotate(180 12 12)">${THUMB}</g></svg>`,
);
