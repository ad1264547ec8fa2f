/**
 * Measures what the Quality page's thresholds rest on (README, "Quality"):
 * 1. The best retrieval similarity of questions the library covers versus questions it does not:
 *    squad-dev's articles split in two, the first half the library (one passage per paragraph),
 *    answerable questions on those articles "covered", on the other half "gaps"; for each question
 *    the highest cosine similarity to a library passage (bge-small, as the answer worker sees it).
 *    Printed: percentiles of both, and per threshold the share of gaps caught and of covered
 *    questions wrongly flagged.
 * 2. The cost of grouping gap questions by wording (src/analytics/question-groups.ts) against
 *    embedding them (what grouping by embeddings would need in the analytics process).
 *
 *   EMBED_MODEL=<dir> npx tsx bench/gap-threshold.ts [--set ../shared/eval/squad-dev] [--per-side 200]
 * Writes bench/results/gap-threshold.json.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { groupQuestions } from '../src/analytics/question-groups.ts';
import { loadSquadSet } from '../src/eval/squad-set.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const modelDir = process.env.EMBED_MODEL;
if (!modelDir) throw new Error('set EMBED_MODEL to an embedding model directory');
const set = await loadSquadSet(path.resolve(args.get('set') ?? '../shared/eval/squad-dev'));
const perSide = Number(args.get('per-side') ?? 200);

const library = set.docs.slice(0, Math.ceil(set.docs.length / 2));
const inLibrary = new Set(library);
const passages: string[] = [];
for (const doc of library) {
  const text = await fs.readFile(path.join(set.dir, 'docs', doc), 'utf8');
  passages.push(...text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p.length > 80));
}
const answerable = set.questions.filter((q) => !q.impossible);
const spread = <T>(xs: T[], n: number): T[] => xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
const covered = spread(answerable.filter((q) => inLibrary.has(q.doc)), perSide);
const gaps = spread(answerable.filter((q) => !inLibrary.has(q.doc)), perSide);

const embedder = await createOnnxEmbedder(modelDir, { threads: 1 });
const vectors: number[][] = [];
for (let i = 0; i < passages.length; i += 32) vectors.push(...(await embedder.embedDocuments(passages.slice(i, i + 32))));
const best = async (qs: typeof covered): Promise<number[]> => {
  const out: number[] = [];
  for (const q of qs) {
    const v = await embedder.embedQuery(q.question);
    let b = -1;
    for (const p of vectors) {
      let dot = 0;
      for (let k = 0; k < v.length; k++) dot += v[k]! * p[k]!;
      if (dot > b) b = dot;
    }
    out.push(b);
  }
  return out;
};
const t0 = performance.now();
const coveredBest = await best(covered);
const embedMsPerQuestion = (performance.now() - t0) / covered.length;
const gapBest = await best(gaps);
await embedder.close();

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const summary = (xs: number[]) => Object.fromEntries([5, 25, 50, 75, 95].map((p) => [`p${p}`, Number(pct(xs, p).toFixed(3))]));
const thresholds = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75].map((t) => ({
  threshold: t,
  gapsCaught: Number((gapBest.filter((x) => x < t).length / gapBest.length).toFixed(3)),
  coveredFlagged: Number((coveredBest.filter((x) => x < t).length / coveredBest.length).toFixed(3)),
}));

// Grouping cost: the measured questions repeated up to 5000 (the most a read groups).
const gapQuestions = Array.from({ length: 5000 }, (_, i) => ({ question: `${gaps[i % gaps.length]!.question} ${i % 7 === 0 ? '' : `v${i}`}`, at: i, refused: true, similarity: null }));
const runs: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = performance.now();
  groupQuestions(gapQuestions);
  runs.push(performance.now() - t);
}
const result = {
  benchmark: 'gap-threshold',
  model: path.basename(modelDir),
  libraryArticles: library.length,
  passages: passages.length,
  covered: { questions: covered.length, bestSimilarity: summary(coveredBest) },
  gaps: { questions: gaps.length, bestSimilarity: summary(gapBest) },
  thresholds,
  embedMsPerQuestion: Number(embedMsPerQuestion.toFixed(2)),
  groupMsFor5000: Number(Math.min(...runs).toFixed(1)),
};
console.log(JSON.stringify(result, null, 2));
await fs.mkdir('bench/results', { recursive: true });
await fs.writeFile('bench/results/gap-threshold.json', JSON.stringify(result, null, 2) + '\n');
