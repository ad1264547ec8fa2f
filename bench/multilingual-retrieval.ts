/**
 * `npm run eval:multilingual [-- --models DIR,DIR --sets de,de+en,de-en,en]`: retrieval in another
 * language. Each embedder (default: the English bge-small test embedder and multilingual-e5-small,
 * both fetched by `npm run models:test -- --multilingual`) indexes each set of
 * bench/multilingual-sets.ts through the real ingest pipeline, and every search mode is scored
 * (hit@1, hit@5, MRR@10; src/eval/retrieval-eval.ts). Written to
 * bench/results/retrieval-multilingual.json.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyNativeThreadingDefaults, loadConfig } from '../src/config.ts';
import { runRetrievalEval } from '../src/eval/retrieval-eval.ts';
import { loadSquadSet, type SquadSet } from '../src/eval/squad-set.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { testModels, testModelsCacheDir } from '../tests/support/test-models.ts';
import { englishDocsSet, germanSet, loadTranslation } from './multilingual-sets.ts';
import { round, writeResult } from './stats.ts';

const SETS = {
  de: 'German questions over the German translation (32 paragraphs of the 16 articles)',
  'de-en': 'the same German questions over the 16 English squad-dev articles (cross-lingual)',
  en: 'the original English questions over the 16 English squad-dev articles',
  'de+en': 'the German questions over the German translation mixed with the 16 English articles',
} as const;
type SetName = keyof typeof SETS;

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

applyNativeThreadingDefaults();
const config = loadConfig();
const log = (line: string) => process.stderr.write(`${line}\n`);
const models = (option('models') ?? [testModels().embed, path.join(testModelsCacheDir(), 'multilingual-e5-small-q4')].join(',')).split(',');
// 'en' (the English baseline of the same questions) only when asked for: each English-article
// set takes an 800-chunk ingest per model.
const setNames = (option('sets') ?? 'de,de+en,de-en').split(',') as SetName[];
for (const s of setNames) if (!(s in SETS)) throw new Error(`unknown set ${s}; known: ${Object.keys(SETS).join(', ')}`);

const translationFile = path.resolve('bench/data/squad-dev-de.json');
const translation = await loadTranslation(translationFile);
const english = await loadSquadSet(path.resolve('../shared/eval/squad-dev'));
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-multilingual-'));
const sets = new Map<SetName, SquadSet>();
for (const s of setNames) {
  const dir = path.join(tmp, s);
  const set =
    s === 'de' ? germanSet(translation, dir) : s === 'de+en' ? germanSet(translation, dir, english) : englishDocsSet(translation, english, s === 'de-en' ? 'de' : 'en', dir);
  sets.set(s, await set);
}
const chunking = config.chunking;
const runs: Record<string, unknown>[] = [];
try {
  for (const modelDir of models) {
    const embedder = await createOnnxEmbedder(modelDir, { threads: config.models.threads });
    try {
      for (const [name, set] of sets) {
        log(`${embedder.modelName} on ${name}`);
        const t0 = performance.now();
        const onProgress = (line: string) => {
          if (/ingested \d+\/\d+/.test(line)) log(`  ${line}`);
        };
        const r = await runRetrievalEval({ set, embedder, chunking, every: 1, limit: undefined, maxScoreGap: config.prompt.maxScoreGap ?? 0.1, onProgress });
        const modes = Object.fromEntries(
          Object.entries(r.modes.squad).map(([m, x]) => [m, { hitAt1: round(x.hitAt1), hitAt5: round(x.hitAt5), mrrAt10: round(x.mrrAt10), p50Ms: round(x.latencyMs.p50, 1) }]),
        );
        runs.push({ model: embedder.modelName, modelId: embedder.modelId, set: name, questions: r.questions, documents: r.documents, chunks: r.chunks, seconds: round((performance.now() - t0) / 1000, 1), modes });
        const line = (m: string) => `${m} ${(modes[m]?.hitAt5 ?? NaN).toFixed(3)}`;
        log(`  hit@5: ${['dense', 'lexical', 'hybrid'].map(line).join(', ')}`);
      }
    } finally {
      await embedder.close();
    }
  }
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}

const result = {
  benchmark: 'retrieval-multilingual',
  at: new Date().toISOString(),
  sets: Object.fromEntries(setNames.map((s) => [s, SETS[s]])),
  translation: translation.about,
  chunking: { size: chunking.size, overlap: chunking.overlap },
  index: 'FAISS IndexFlatIP (exact cosine) + SQLite FTS5 BM25 (porter unicode61 remove_diacritics 2)',
  threads: config.models.threads,
  runs,
};
const file = await writeResult('retrieval-multilingual', result);
process.stdout.write(`-> ${file}\n\nmodel                      set    dense@5 lexical@5 hybrid@5  (hit@1 dense/hybrid)\n`);
for (const r of runs as { model: string; set: string; modes: Record<string, { hitAt1: number; hitAt5: number }> }[]) {
  const m = (k: string) => r.modes[k] ?? { hitAt1: NaN, hitAt5: NaN };
  process.stdout.write(
    `${r.model.padEnd(26)} ${r.set.padEnd(6)} ${m('dense').hitAt5.toFixed(3)}   ${m('lexical').hitAt5.toFixed(3)}     ${m('hybrid').hitAt5.toFixed(3)}    (${m('dense').hitAt1.toFixed(3)}/${m('hybrid').hitAt1.toFixed(3)})\n`,
  );
}
