/**
 * `npx tsx bench/calibrate-citations.ts [--count N]`: how the citation support rule's weight and
 * threshold (src/answer/citation-support.ts) were chosen. From squad-dev's answerable questions
 * (every n-th, default 300) it builds answer-like sentences, "<question without ?>: <gold answer>.",
 * and pairs each with
 *   - its gold paragraph (should be supported),
 *   - another paragraph of the same article without the gold answer (a wrong passage on the right
 *     topic: should not be),
 *   - a paragraph of another article (should not be),
 * and the sentence with a wrong answer (the gold answer of a question on another paragraph of the
 * same article) against the gold paragraph: the right passage, a claim it does not make (should
 * not be supported).
 * Every pair is scored per passage sentence (lexical overlap, cosine of bge embeddings). The weight
 * and threshold that maximise balanced accuracy (supported share of the gold pairs and unsupported
 * share of the wrong pairs, weighed equally) are picked on the even-numbered questions and reported
 * on the odd ones. Written to bench/results/citation-calibration.json.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { combinedScore, contentTerms, lexicalOverlap, passageSentences } from '../src/answer/citation-support.ts';
import { matchesGold, sampleQuestions } from '../src/eval/answer-metrics.ts';
import { loadSquadSet } from '../src/eval/squad-set.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { testModels } from '../tests/support/test-models.ts';
import { round, writeResult } from './stats.ts';

applyNativeThreadingDefaults();
const i = process.argv.indexOf('--count');
const count = i < 0 ? 300 : Number(process.argv[i + 1]);
const embedModel = path.resolve(process.env.EMBED_MODEL ?? testModels().embed);
const set = await loadSquadSet(path.resolve('../shared/eval/squad-dev'));
const texts = new Map<string, string>();
for (const d of set.docs) texts.set(d, await fs.readFile(path.join(set.dir, 'docs', d), 'utf8'));
const paragraphs = [...new Map(set.questions.map((q) => [`${q.doc}:${q.span[0]}`, { doc: q.doc, text: texts.get(q.doc)!.slice(q.span[0], q.span[1]) }])).values()];
const questions = sampleQuestions(set.questions.filter((q) => !q.impossible && q.answers.length > 0), count);

type Kind = 'gold' | 'sameArticle' | 'otherArticle' | 'wrongAnswer' | 'goldShort' | 'wrongShort';
interface Pair { q: number; kind: Kind; sentence: string; passage: string }
const pairs: Pair[] = [];
for (const [n, q] of questions.entries()) {
  const sentence = `${q.question.replace(/\?\s*$/, '')}: ${q.answers[0]}.`;
  const gold = texts.get(q.doc)!.slice(q.span[0], q.span[1]);
  const pick = (pool: typeof paragraphs) => pool[(n * 7919) % Math.max(1, pool.length)];
  const same = pick(paragraphs.filter((p) => p.doc === q.doc && p.text !== gold && !matchesGold(p.text, q.answers)));
  const other = pick(paragraphs.filter((p) => p.doc !== q.doc));
  pairs.push({ q: n, kind: 'gold', sentence, passage: gold });
  if (same) pairs.push({ q: n, kind: 'sameArticle', sentence, passage: same.text });
  if (other) pairs.push({ q: n, kind: 'otherArticle', sentence, passage: other.text });
  const wrong = set.questions.filter((x) => x.doc === q.doc && !x.impossible && x.span[0] !== q.span[0] && x.answers[0] && !matchesGold(gold, x.answers));
  const w = pick(wrong.map((x) => ({ doc: x.doc, text: x.answers[0]! })));
  if (w) pairs.push({ q: n, kind: 'wrongAnswer', sentence: `${q.question.replace(/\?\s*$/, '')}: ${w.text}.`, passage: gold });
  // Terse answers, as small models give them ("France [1]."): the gold answer alone, and a wrong one.
  pairs.push({ q: n, kind: 'goldShort', sentence: `${q.answers[0]}.`, passage: gold });
  if (w) pairs.push({ q: n, kind: 'wrongShort', sentence: `${w.text}.`, passage: gold });
}

const embedder = await createOnnxEmbedder(embedModel, { threads: 1 });
const dot = (a: number[], b: number[]) => a.reduce((s, x, k) => s + x * (b[k] ?? 0), 0);
// Per pair: (lexical, cosine) of each passage sentence, and the sentence's number of content terms.
const scored: Array<Pair & { parts: Array<[number, number]>; terms: number }> = [];
// Embedded once each, in batches: the distinct sentences and passage sentences.
const distinct = [...new Set(pairs.flatMap((p) => [p.sentence, ...passageSentences(p.passage).map((s) => s.text)]))];
const vectors = new Map<string, number[]>();
for (let k = 0; k < distinct.length; k += 32) {
  const batch = distinct.slice(k, k + 32);
  (await embedder.embedDocuments(batch)).forEach((v, j) => vectors.set(batch[j]!, v));
}
for (const p of pairs) {
  const sentences = passageSentences(p.passage).map((s) => s.text);
  const terms = contentTerms(p.sentence);
  scored.push({ ...p, terms: terms.size, parts: sentences.map((s) => [lexicalOverlap(terms, contentTerms(s)), dot(vectors.get(p.sentence)!, vectors.get(s)!)]) });
}
await embedder.close();

const best = (parts: Array<[number, number]>, w: number) => Math.max(0, ...parts.map(([l, c]) => combinedScore(l, c, w)));
function evaluate(rows: typeof scored, w: number, t: number) {
  const share = (kind: Kind, want: boolean) => {
    const r = rows.filter((x) => x.kind === kind);
    return r.filter((x) => best(x.parts, w) >= t === want).length / Math.max(1, r.length);
  };
  const goldSupported = share('gold', true);
  const sameRejected = share('sameArticle', false);
  const otherRejected = share('otherArticle', false);
  const wrongRejected = share('wrongAnswer', false);
  return { goldSupported, sameRejected, otherRejected, wrongRejected, balanced: (goldSupported + (sameRejected + otherRejected + wrongRejected) / 3) / 2 };
}
const tune = scored.filter((r) => r.q % 2 === 0);
const check = scored.filter((r) => r.q % 2 === 1);
let chosen = { w: 0, t: 0, balanced: -1 };
const grid: Array<{ w: number; t: number; balanced: number }> = [];
for (let w = 0; w <= 1.0001; w += 0.1) {
  let bestT = { t: 0, balanced: -1 };
  for (let t = 0.2; t <= 0.95; t += 0.01) {
    const b = evaluate(tune, w, t).balanced;
    if (b > bestT.balanced) bestT = { t, balanced: b };
  }
  grid.push({ w: round(w, 1), t: round(bestT.t, 2), balanced: round(bestT.balanced) });
  if (bestT.balanced > chosen.balanced) chosen = { w, t: bestT.t, balanced: bestT.balanced };
}
/** Terse answers under the chosen rule, and with a short-sentence clause: at most `short` content terms, all in one passage sentence. */
function terse(rows: typeof scored, w: number, t: number, short: number) {
  const ok = (r: (typeof scored)[number]) => best(r.parts, w) >= t || (r.terms <= short && r.parts.some(([l]) => l >= 1));
  const share = (kind: Kind, want: boolean) => {
    const x = rows.filter((r) => r.kind === kind);
    return x.filter((r) => ok(r) === want).length / Math.max(1, x.length);
  };
  return { goldShortSupported: share('goldShort', true), wrongShortRejected: share('wrongShort', false), goldSupported: share('gold', true), wrongAnswerRejected: share('wrongAnswer', false), sameArticleRejected: share('sameArticle', false), otherArticleRejected: share('otherArticle', false) };
}
const rounded = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
const result = {
  benchmark: 'citation-calibration',
  at: new Date().toISOString(),
  embedder: path.basename(embedModel),
  questions: questions.length,
  pairs: { total: pairs.length, gold: pairs.filter((p) => p.kind === 'gold').length },
  bestPerWeight: grid,
  chosen: { lexicalWeight: round(chosen.w, 1), threshold: round(chosen.t, 2) },
  tuneHalf: rounded(evaluate(tune, chosen.w, chosen.t)),
  heldOutHalf: rounded(evaluate(check, chosen.w, chosen.t)),
  lexicalOnlyHeldOut: rounded(evaluate(check, 1, grid.at(-1)!.t)),
  embeddingOnlyHeldOut: rounded(evaluate(check, 0, grid[0]!.t)),
  terseHeldOut: rounded(terse(check, chosen.w, chosen.t, 0)),
  terseWithShortClauseHeldOut: Object.fromEntries([1, 2, 3, 4].map((k) => [`upTo${k}Terms`, rounded(terse(check, chosen.w, chosen.t, k))])),
};
const file = await writeResult('citation-calibration', result);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
