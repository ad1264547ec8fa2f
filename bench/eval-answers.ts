/**
 * `npm run eval:answers [-- --count N --max-tokens N]`: answer quality on squad-dev. Ingests the
 * 16 documents through the real pipeline into a fresh index, starts Docent all-in-one as a real
 * process (src/bin/start.ts: in-process bus, one answer worker) on that index, and asks a fixed
 * sample of questions (every n-th of questions.jsonl, answerable and impossible mixed as in the
 * file; default 200) through POST /api/ask. Scores: answer match on the answerable ones, refusal
 * rate on the impossible ones, and citations: precision (cited passages holding a gold answer), the
 * share of answers citing anything and the share of citations the worker's check marked unsupported
 * (src/eval/answer-metrics.ts). Written to
 * bench/results/answers-squad-dev.json, with the models named.
 *
 * Models: the small test models (tests/support/test-models.ts) unless CHAT_MODEL / EMBED_MODEL
 * are set. Generation: temperature 0, seed 1, max tokens 64 (--max-tokens), retrieval k 4.
 *
 * `--variants a,b,...` asks the same questions once per prompt-compaction variant (a fresh service
 * on the same index for each; see VARIANTS), e.g. `--variants none,merge,adaptive,trim,all`;
 * without it, one run with the service's defaults (PROMPT_* from this shell's environment). Each
 * run reports the prompt tokens per question (mean, median) besides the scores.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { sampleQuestions, scoreAnswers, scoreCitations } from '../src/eval/answer-metrics.ts';
import type { Source } from '../src/contracts/source.ts';
import { loadSquadSet, type SquadQuestion } from '../src/eval/squad-set.ts';
import type { RoleProcess } from '../tests/support/processes.ts';
import { testModels } from '../tests/support/test-models.ts';
import { buildIndex, startService, stopOnSignal } from './eval-service.ts';
import { round, writeResult } from './stats.ts';

/** Prompt-compaction variants: the PROMPT_* settings each one gives the service. */
const VARIANTS: Record<string, Record<string, string>> = {
  none: { PROMPT_MERGE_OVERLAPS: 'false', PROMPT_MAX_SCORE_GAP: 'off', PROMPT_TRIM_SENTENCES: 'false' },
  merge: { PROMPT_MERGE_OVERLAPS: 'true', PROMPT_MAX_SCORE_GAP: 'off', PROMPT_TRIM_SENTENCES: 'false' },
  adaptive: { PROMPT_MERGE_OVERLAPS: 'false', PROMPT_MAX_SCORE_GAP: '0.1', PROMPT_TRIM_SENTENCES: 'false' },
  trim: { PROMPT_MERGE_OVERLAPS: 'false', PROMPT_MAX_SCORE_GAP: 'off', PROMPT_TRIM_SENTENCES: 'true' },
  all: { PROMPT_MERGE_OVERLAPS: 'true', PROMPT_MAX_SCORE_GAP: '0.1', PROMPT_TRIM_SENTENCES: 'true' },
};

function variantList(): string[] {
  const i = process.argv.indexOf('--variants');
  if (i < 0) return ['default'];
  const names = (process.argv[i + 1] ?? '').split(',').filter(Boolean);
  const bad = names.find((n) => !(n in VARIANTS));
  if (names.length === 0 || bad !== undefined) throw new Error(`--variants takes a comma-separated list of ${Object.keys(VARIANTS).join(', ')}`);
  return names;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0`);
  return n;
}

applyNativeThreadingDefaults();
const count = option('count', 200);
const maxTokens = option('max-tokens', 64);
const settings = { temperature: 0, seed: 1, maxTokens, k: 4 };
const variants = variantList();
const chatModel = path.resolve(process.env.CHAT_MODEL ?? testModels().chat);
const embedModel = path.resolve(process.env.EMBED_MODEL ?? testModels().embed);
const setDir = path.resolve('../shared/eval/squad-dev');
const say = (line: string) => process.stderr.write(`${line}\n`);

const set = await loadSquadSet(setDir);
const questions = sampleQuestions(set.questions, count);
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-eval-answers-'));
const vsDir = path.join(tmp, 'vectorstore');
const started = performance.now();
let server: RoleProcess | undefined;
stopOnSignal(() => server, tmp);
try {
  // The index: every document through the ingest pipeline, saved where the service will read it.
  const { chunks, embedder: embedderName } = await buildIndex(path.join(setDir, 'docs'), set.docs, vsDir, embedModel);
  say(`ingested ${set.docs.length} documents, ${chunks} chunks`);

  const runs = [];
  for (const variant of variants) {
    const service = await startService(tmp, variant, vsDir, { chat: chatModel, embed: embedModel }, VARIANTS[variant] ?? {});
    server = service.process;
    const rows: Array<{ q: SquadQuestion; answer: string; sources: Source[]; promptTokens: number }> = [];
    const t0 = performance.now();
    for (const [i, q] of questions.entries()) {
      const body = await service.ask(q.question, settings);
      rows.push({ q, answer: body.answer, sources: body.sources, promptTokens: body.tokens?.prompt ?? 0 });
      if ((i + 1) % 20 === 0) say(`${variant}: asked ${i + 1}/${questions.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await server.stop();
    server = undefined;
    const s = scoreAnswers(rows);
    const c = scoreCitations(rows);
    const share = (x: number | null) => (x === null ? null : round(x));
    const tokens = rows.map((r) => r.promptTokens);
    runs.push({
      variant,
      promptSettings: VARIANTS[variant] ?? 'service defaults',
      answerable: s.answerable,
      impossible: s.impossible,
      answerMatch: round(s.answerMatch),
      refusalOnImpossible: round(s.refusalOnImpossible),
      refusalOnAnswerable: round(s.refusalOnAnswerable),
      citedSources: c.citedSources,
      citationPrecision: share(c.citationPrecision),
      answersWithCitation: round(c.answersWithCitation),
      unsupportedCitations: share(c.unsupportedCitations),
      citationsChecked: share(c.checked),
      promptTokens: { mean: round(tokens.reduce((a, b) => a + b, 0) / Math.max(1, tokens.length), 1), median: median(tokens) },
      seconds: round((performance.now() - t0) / 1000, 1),
      examples: rows.slice(0, 6).map((r) => ({
        question: r.q.question,
        impossible: r.q.impossible,
        gold: r.q.answers.slice(0, 3),
        answer: r.answer,
        cited: r.sources.filter((x) => x.cited).map((x) => ({ n: x.n, supported: x.supported, score: x.support?.score })),
      })),
    });
    say(`${variant}: ${JSON.stringify(runs.at(-1)).slice(0, 400)}`);
  }
  const result = {
    benchmark: 'answers-squad-dev',
    at: new Date().toISOString(),
    set: 'squad-dev (SQuAD 2.0 dev, 16 articles)',
    sample: `every ${Math.max(1, Math.floor(set.questions.length / count))}th question of questions.jsonl, first ${questions.length}`,
    chatModel: path.basename(chatModel),
    embedder: embedderName,
    settings,
    path: 'POST /api/ask on npm start (all-in-one: in-process bus, one answer worker)',
    questions: questions.length,
    chunks,
    ...(runs.length === 1 ? runs[0] : { variants: runs }),
    seconds: { total: round((performance.now() - started) / 1000, 1) },
  };
  const file = await writeResult(runs.length === 1 ? 'answers-squad-dev' : 'answers-squad-dev-compaction', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
} finally {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}
