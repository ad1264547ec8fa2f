/**
 * What a refusal looks like: the answer the prompt asks for when the sources do not hold the answer
 * (NOT_FOUND_ANSWER) and the usual ways small models put it instead. One detector shared by the
 * answer worker (the `refused` flag of the qa event), the analytics store (answers recorded before
 * the flag are read with it) and the answer evaluation.
 */

/** The exact reply the system prompt asks for (src/answer/prompt.ts). */
export const NOT_FOUND_ANSWER = 'I could not find the answer in your documents.';

/** As the SQuAD script normalises: lower case, no punctuation, no articles, single spaces. */
export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const REFUSALS = [
  normaliseAnswer(NOT_FOUND_ANSWER),
  'could not find',
  'couldn t find',
  'cannot find',
  'can t find',
  'not found in',
  'no information',
  'not mentioned',
  'does not mention',
  'do not contain',
  'does not contain',
  'don t contain',
  'doesn t contain',
  'not provided',
  'no answer',
  'not able to find',
  'unable to find',
];

/** True when the answer says the sources do not hold the answer. */
export function isRefusal(answer: string): boolean {
  const a = normaliseAnswer(answer);
  return REFUSALS.some((r) => a.includes(r));
}
