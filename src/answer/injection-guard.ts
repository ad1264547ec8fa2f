/**
 * The prompt-injection guard between retrieval and the prompt (config `prompt.injectionGuard`,
 * docs/benchmarks.md "Prompt injection"). Passages that read as instructions to the assistant
 * (injection-detector.ts) are, by mode:
 * - `drop` (default): kept out of the prompt, still listed in the sources with `flagged: true`;
 * - `mark`: kept in the prompt with a warning in the source's header, and flagged in the sources;
 * - `off`: not looked at; the prompt is built as before the guard (no quoted blocks either).
 * With `drop` and `mark` every passage is also shown inside a quoted block and the system prompt
 * says quoted material is never obeyed (prompt.ts).
 */
import type { SearchHit } from '../ports/vector-store.ts';
import { detectInjection, injectionReason } from './injection-detector.ts';

export const INJECTION_GUARD_MODES = ['drop', 'mark', 'off'] as const;
export type InjectionGuardMode = (typeof INJECTION_GUARD_MODES)[number];

export interface GuardedPassages {
  /** The passages the prompt may show, best first as retrieved. */
  promptHits: SearchHit[];
  /** Passages kept out of the prompt (mode `drop`), best first. */
  dropped: SearchHit[];
  /** Why each flagged passage (in `promptHits` with `mark`, in `dropped` with `drop`) was flagged. */
  reasons: ReadonlyMap<SearchHit, string>;
}

export function guardPassages(hits: readonly SearchHit[], mode: InjectionGuardMode): GuardedPassages {
  const reasons = new Map<SearchHit, string>();
  if (mode === 'off') return { promptHits: [...hits], dropped: [], reasons };
  const promptHits: SearchHit[] = [];
  const dropped: SearchHit[] = [];
  for (const hit of hits) {
    const verdict = detectInjection(hit.text);
    if (verdict.flagged) reasons.set(hit, injectionReason(verdict));
    (verdict.flagged && mode === 'drop' ? dropped : promptHits).push(hit);
  }
  return { promptHits, dropped, reasons };
}
