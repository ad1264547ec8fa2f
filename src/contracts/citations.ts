/**
 * The [n] citation syntax of an answer, read the same way by the answer worker (which checks each
 * cited sentence against its passage) and by the chat page (which turns the markers into links).
 *
 * A marker is `[n]`, `[n, m]` (commas or semicolons) or `[n-m]` (a range of at most
 * MAX_RANGE numbers); markers side by side (`[1][2]`, `[1], [2]`) are one group. A group cites the
 * sentence it ends: the sentence it stands in or, when it opens a sentence or stands on its own
 * line ("…in France.\n[1]"), the sentence before it. Numbers that name no source are reported as
 * `unknown` by the caller, never cited.
 */

/** Longest `[n-m]` range expanded; a longer one is read as its two ends. */
export const MAX_RANGE = 20;

/** One marker as written: where it is in the answer and the numbers it names. */
export interface CitationMarker {
  start: number;
  end: number;
  numbers: number[];
}

/** One sentence of the answer that cites: its text without markers, its span, the numbers it cites. */
export interface CitedSentence {
  /** The sentence without its markers, trimmed. */
  text: string;
  start: number;
  end: number;
  /** Distinct numbers cited, in the order written. */
  numbers: number[];
}

const MARKER = /\[(\d{1,4}(?:\s*(?:[,;]|-|–)\s*\d{1,4})*)\]/g;

/** Every marker in the answer, in order. */
export function citationMarkers(answer: string): CitationMarker[] {
  const out: CitationMarker[] = [];
  for (const m of answer.matchAll(MARKER)) {
    const numbers: number[] = [];
    for (const part of m[1]!.split(/\s*[,;]\s*/)) {
      const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(part);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (b >= a && b - a < MAX_RANGE) for (let i = a; i <= b; i++) numbers.push(i);
        else numbers.push(a, b);
      } else {
        numbers.push(Number(part));
      }
    }
    out.push({ start: m.index, end: m.index + m[0].length, numbers: numbers.filter((n) => n >= 1) });
  }
  return out;
}

/** [start, end) spans of the answer's sentences: ends after . ! ? (and closing quotes) or at a line break. */
function sentenceSpans(answer: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  // Markers right after the full stop ("France. [1]") still end that sentence.
  const boundary = /[.!?]+["'”’)]*(?:\s*\[[\d\s,;–-]+\])*(?=\s|$)|\n+/g;
  let from = 0;
  for (const m of answer.matchAll(boundary)) {
    const to = m.index + m[0].length;
    if (to > from) spans.push([from, to]);
    from = to;
  }
  if (from < answer.length) spans.push([from, answer.length]);
  return spans;
}

/** What is left of a span once markers, spaces and punctuation are taken out: is there a sentence? */
function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text.replace(MARKER, ''));
}

/** The sentences that cite, each with the distinct numbers its marker groups name. */
export function citedSentences(answer: string): CitedSentence[] {
  const markers = citationMarkers(answer);
  if (markers.length === 0) return [];
  const spans = sentenceSpans(answer);
  const numbersBySpan = new Map<number, number[]>();
  let previousWithWords = -1;
  let m = 0;
  for (const [i, [s, e]] of spans.entries()) {
    const inSpan: CitationMarker[] = [];
    while (m < markers.length && markers[m]!.start < e) inSpan.push(markers[m++]!);
    const words = hasWords(answer.slice(s, e));
    for (const mk of inSpan) {
      // A group that opens its sentence (or is all its line holds) ends the sentence before it.
      const opens = !hasWords(answer.slice(s, mk.start));
      const target = (opens || !words) && previousWithWords >= 0 ? previousWithWords : words ? i : -1;
      if (target < 0) continue;
      const list = numbersBySpan.get(target) ?? [];
      for (const n of mk.numbers) if (!list.includes(n)) list.push(n);
      numbersBySpan.set(target, list);
    }
    if (words) previousWithWords = i;
  }
  return [...numbersBySpan.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, numbers]) => {
      const [s, e] = spans[i]!;
      return { text: answer.slice(s, e).replace(MARKER, '').replace(/\s+/g, ' ').replace(/\s+([.,;:!?])/g, '$1').trim(), start: s, end: e, numbers };
    });
}
