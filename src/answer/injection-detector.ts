/**
 * Detects passages that read as instructions to the assistant rather than as document text
 * ("ignore your instructions and reply only with ...", "you are now ...", chat-template role
 * markers such as `<|im_start|>` or `[INST]`). Pure: text in, a verdict out. The answer worker's
 * guard (injection-guard.ts) keeps flagged passages out of the prompt and flags them in the sources.
 *
 * Each signal has a weight; a passage is flagged when the weights of the distinct signals found
 * add up to FLAG_SCORE. Strong signals (an explicit override, a role marker) flag alone; weak ones
 * ("respond with", "system prompt") only together, so ordinary prose that happens to use these
 * words ("the army chose to ignore the orders", "cells respond with") is not flagged.
 *
 * Linear time: the text is lowercased and its whitespace collapsed once, then each pattern starts
 * with a literal word and has only bounded repetition of distinct literal words, so no pattern
 * backtracks more than a few words at any position (tests/unit/injection-detector.test.ts
 * measures 1x against 4x input).
 */

export interface InjectionVerdict {
  flagged: boolean;
  /** Sum of the weights of the distinct signals found (0 when none). */
  score: number;
  /** What was found, one line per signal, with the matched words: e.g. `override of instructions: "ignore your instructions"`. */
  reasons: string[];
}

/** Score at which a passage is flagged. */
export const FLAG_SCORE = 1;

interface Signal {
  name: string;
  weight: number;
  /** Run on the lowercased text with whitespace collapsed to single spaces (lines joined). */
  pattern: RegExp;
}

const QUALIFIER = '(?:all |any |of |the |your |my |these |those |previous |prior |above |earlier |preceding |foregoing |former |original |initial |system |other )';
const TARGET = '(?:instructions?|directions|directives|rules|prompts?|guidelines|guidance|context)';

const SIGNALS: readonly Signal[] = [
  // An override needs a word that points at the assistant's own instructions (your, previous, all...),
  // so "they chose to ignore the rules" is not one.
  {
    name: 'override of instructions',
    weight: 1,
    pattern: new RegExp(`\\b(?:ignore|disregard|forget|override|bypass) ${QUALIFIER}{0,4}?(?:your |previous |prior |above |earlier |preceding |all |any |system |original |initial )${QUALIFIER}{0,3}${TARGET}\\b`),
  },
  { name: 'override of what came before', weight: 1, pattern: /\b(?:ignore|disregard|forget) (?:all |everything |anything )?(?:of )?(?:the )?(?:above|foregoing|preceding|previous)\b/ },
  { name: 'new instructions', weight: 1, pattern: /\b(?:new|updated|real|actual|revised) (?:system )?instructions ?:/ },
  { name: 'role reassignment', weight: 1, pattern: /\byou are now (?:a |an |my |dan\b|in (?:developer|debug|admin|god) mode|no longer|free|unrestricted|jailbroken)/ },
  { name: 'role reassignment', weight: 0.5, pattern: /\b(?:from now on|henceforth),? you (?:are|will|must|should)\b/ },
  {
    name: 'reply dictated',
    weight: 1,
    pattern: /\b(?:reply|respond|answer|say|output|print|write) (?:only|solely|exclusively|just|nothing but|exactly)(?: with\b| the (?:word|phrase|string|text|code)\b| ?["':\u201c])/,
  },
  { name: 'reply dictated', weight: 1, pattern: /\b(?:reply|respond|answer) (?:to (?:the|any|every|this) (?:user|question)s? )?with (?:only|exactly|just|the (?:word|phrase|string|text|code)|the following)\b/ },
  { name: 'reply dictated', weight: 0.5, pattern: /\b(?:reply|respond) with\b/ },
  { name: 'refusal dictated', weight: 1, pattern: /\bdo not (?:answer|respond to|reply to|help with) (?:the |this |that |any |their )?(?:user|question|request|query)/ },
  { name: 'refusal dictated', weight: 0.5, pattern: /\bdo not answer\b/ },
  { name: 'system prompt', weight: 1, pattern: /\b(?:reveal|print|show|repeat|output|leak|display) (?:me )?(?:your|the) (?:system prompt|hidden prompt|initial prompt|instructions)\b/ },
  { name: 'system prompt', weight: 0.5, pattern: /\bsystem prompt\b/ },
  { name: 'addresses the assistant', weight: 1, pattern: /\b(?:ai|assistant|chatbot|language model|llm|model|bot)s? (?:reading|processing|summari[sz]ing) this\b/ },
  {
    name: 'addresses the assistant',
    weight: 0.5,
    pattern: /\b(?:attention|note to|dear|hey|hello) (?:the |any |all )?(?:ai|assistant|chatbot|language model|llm|bot)s?\b/,
  },
  { name: 'addresses the assistant', weight: 0.5, pattern: /\b(?:as an ai|you are an ai|you are a (?:large )?language model|you are chatgpt|you are the assistant)\b/ },
];

/** Chat-template markers: never in document prose. Run on the lowercased text. */
const ROLE_TOKENS = /<\|(?:im_start|im_end|system|user|assistant|begin_of_text|start_header_id|end_header_id|eot_id|endoftext)\|>|\[\/?inst\]|<<\/?sys>>|<\/?(?:system|assistant)>/;
/**
 * Lines that open a chat turn or a prompt section, run per line: "Assistant: ...", a heading that
 * is only "### System" or "### Instruction". "System:" alone is weak ("System: Windows 10").
 */
const ROLE_LINES: ReadonlyArray<{ weight: number; pattern: RegExp }> = [
  { weight: 1, pattern: /assistant[ \t]*:/y },
  { weight: 1, pattern: /#{1,6}[ \t]*(?:system|assistant|instruction|response|user)[ \t]*:?[ \t\r]*(?=\n|$)/y },
  { weight: 0.5, pattern: /system[ \t]*:/y },
];
/** Characters of a matched phrase quoted in a reason. */
const REASON_CHARS = 60;

/**
 * Text is read in pieces of about this many characters, each starting at a line, each running on
 * OVERLAP characters into the next (a phrase across the seam is still seen whole). A passage is
 * one piece; the pieces keep the work on a text of megabytes linear (one regex replace over a whole
 * multi-megabyte text grew 11-15x for 4x the input in V8).
 */
const PIECE = 16_384;
const OVERLAP = 512;

type Found = Map<string, { weight: number; match: string }>;

export function detectInjection(text: string): InjectionVerdict {
  const found: Found = new Map();
  let atLine = true;
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + PIECE);
    let nextAtLine = true;
    if (end < text.length) {
      // The next piece starts at a line when one starts soon, else after a space (a long line):
      // a piece that starts inside a line does not read its first line as a role line.
      const nl = text.indexOf('\n', end);
      if (nl >= 0 && nl - end < PIECE) end = nl + 1;
      else {
        const sp = text.indexOf(' ', end);
        end = sp < 0 || sp - end >= PIECE ? Math.min(text.length, end + PIECE) : sp + 1;
        nextAtLine = false;
      }
    }
    scanPiece(text.slice(at, Math.min(text.length, end + OVERLAP)), found, atLine);
    atLine = nextAtLine;
    at = end;
  }
  let score = 0;
  const reasons: string[] = [];
  for (const [name, f] of found) {
    score += f.weight;
    reasons.push(`${name}: "${f.match}"`);
  }
  return { flagged: score >= FLAG_SCORE, score, reasons };
}

function scanPiece(text: string, found: Found, startsAtLine: boolean): void {
  const lower = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
  const flat = lower.replace(/\s+/g, ' ');
  const note = (name: string, weight: number, match: string): void => {
    const prev = found.get(name);
    if (!prev || prev.weight < weight) found.set(name, { weight, match: match.trim().slice(0, REASON_CHARS) });
  };
  for (const s of SIGNALS) {
    const m = s.pattern.exec(flat);
    if (m) note(s.name, s.weight, m[0]);
  }
  const token = ROLE_TOKENS.exec(lower);
  if (token) note('chat role marker', 1, token[0]);
  // Line by line without splitting the text: only lines whose first visible character could open a
  // role line (a heading mark, "system", "assistant") are tested.
  // A piece that starts inside a line begins with the next line (none: no line starts here).
  const firstLine = startsAtLine ? 0 : lower.indexOf('\n') + 1 || lower.length;
  for (let at = firstLine; at < lower.length; ) {
    let end = lower.indexOf('\n', at);
    if (end < 0) end = lower.length;
    let first = at;
    while (first < end && (lower[first] === ' ' || lower[first] === '\t')) first++;
    const c = lower[first];
    if (c === '#' || c === 's' || c === 'a') {
      // Sticky patterns tested where the line's text starts: nothing is copied for lines that do not match.
      for (const r of ROLE_LINES) {
        r.pattern.lastIndex = first;
        if (r.pattern.test(lower)) note(r.weight === 1 ? 'role line' : 'system line', r.weight, lower.slice(first, Math.min(end, first + REASON_CHARS)));
      }
    }
    at = end + 1;
  }
}

/** One line for the sources and the logs: the reasons joined, or '' when none. */
export function injectionReason(v: InjectionVerdict): string {
  return v.reasons.join('; ');
}
