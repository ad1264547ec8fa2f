/**
 * Groups knowledge-gap questions that ask about the same thing, without an embedder (the analytics
 * process loads no model): each question becomes its set of content words (lower case, stop words
 * and question words out, plurals folded), and two questions are linked when the Jaccard overlap of
 * their sets is at least `threshold` (default 0.5: "reset my password" and "how to reset the
 * password" meet; "refund policy" and "shipping policy" (1/3) do not). Groups are the connected
 * parts (single link, union-find). Only questions sharing a word are compared (an inverted index),
 * and identical word sets are merged first, so a burst of the same question costs one comparison.
 * A word in more than MAX_POSTINGS distinct questions (a product name in every question) still
 * counts in the overlap but no longer finds candidates: two questions alike enough to link share a
 * rarer word too, and the work stays linear in the number of questions instead of quadratic.
 * Why not embeddings: the analytics process loads no model; embedding costs 10-16 ms a
 * question on one core, grouping the 5000 newest gaps by wording 120-140 ms in all
 * (bench/gap-threshold.ts, README "Quality").
 */

export interface GapQuestion {
  question: string;
  at: number;
  refused: boolean;
  similarity: number | null;
}

export interface QuestionGroup {
  count: number;
  refused: number;
  example: string;
  variants: string[];
  lastAt: number;
  bestSimilarity: number | null;
}

export const DEFAULT_GROUP_THRESHOLD = 0.5;
/** Questions one word may find as candidates (see the header). */
export const MAX_POSTINGS = 200;

const STOP = new Set(
  (
    'a an the and or but if of to in on at by for with from into about as is are was were be been being am do does did done have has had ' +
    'i me my mine we our you your it its this that these those there here he she they them his her their what which who whom whose when ' +
    'where why how can could should would will shall may might must not no yes any some all please tell explain know find show give get ' +
    'there s t than then so too very just also more most much many one'
  ).split(' '),
);

/** The content words of a question: lower case, letters and digits, stop words out, plurals folded. */
export function contentWords(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u)) {
    if (raw === '' || STOP.has(raw)) continue;
    out.add(fold(raw));
  }
  return out;
}

function fold(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const w of small) if (large.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Groups `questions` (newest first), largest group first (then the most recent). `work.comparisons` counts the pairs compared. */
export function groupQuestions(questions: readonly GapQuestion[], threshold = DEFAULT_GROUP_THRESHOLD, work?: { comparisons: number }): QuestionGroup[] {
  // One node per distinct word set (a question of stop words only: per distinct text).
  const nodes: Array<{ words: Set<string>; members: GapQuestion[] }> = [];
  const byKey = new Map<string, number>();
  for (const q of questions) {
    const words = contentWords(q.question);
    const key = words.size > 0 ? [...words].sort().join(' ') : `\u0000${q.question.trim().toLowerCase()}`;
    let i = byKey.get(key);
    if (i === undefined) {
      i = nodes.push({ words, members: [] }) - 1;
      byKey.set(key, i);
    }
    nodes[i]!.members.push(q);
  }
  const parent = nodes.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const postings = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    const seen = new Set<number>();
    for (const w of node.words) {
      const list = postings.get(w);
      if (!list) {
        postings.set(w, [i]);
        continue;
      }
      if (list.length >= MAX_POSTINGS) continue;
      for (const j of list) {
        if (seen.has(j)) continue;
        seen.add(j);
        if (root(i) === root(j)) continue;
        if (work) work.comparisons++;
        if (jaccard(node.words, nodes[j]!.words) >= threshold) parent[root(i)] = root(j);
      }
      list.push(i);
    }
  });
  const groups = new Map<number, GapQuestion[]>();
  nodes.forEach((node, i) => {
    const r = root(i);
    const g = groups.get(r);
    if (g) g.push(...node.members);
    else groups.set(r, [...node.members]);
  });
  return [...groups.values()].map(summarise).sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
}

function summarise(members: GapQuestion[]): QuestionGroup {
  const newest = [...members].sort((a, b) => b.at - a.at);
  const texts = [...new Set(newest.map((q) => q.question.trim()))];
  const sims = members.flatMap((q) => (q.similarity === null ? [] : [q.similarity]));
  return {
    count: members.length,
    refused: members.filter((q) => q.refused).length,
    example: texts[0] ?? '',
    variants: texts.slice(1, 4),
    lastAt: newest[0]?.at ?? 0,
    bestSimilarity: sims.length === 0 ? null : Math.max(...sims),
  };
}
