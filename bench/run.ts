/**
 * `npm run bench [-- name...]`: runs the benchmarks and writes bench/results/<name>.json.
 * Every figure is reported with a baseline measured in the same run, as a ratio: these machines
 * are shared and noisy, absolute times are not comparable between runs.
 */
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { benchAnalytics } from './analytics.ts';
import { benchAnswer } from './answer.ts';
import { benchHostile } from './hostile.ts';
import { benchIngest } from './ingest.ts';
import { benchLlm } from './llm.ts';
import { benchScale } from './scale.ts';
import { benchSearch } from './search.ts';
import { benchSearchCollections } from './search-collections.ts';
import { benchSpreadsheetRetrieval } from './spreadsheet-retrieval.ts';
import { syntheticModel } from './synthetic-model.ts';
import { writeResult } from './stats.ts';

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  search: benchSearch,
  'search-collections': benchSearchCollections,
  llm: benchLlm,
  analytics: benchAnalytics,
  ingest: benchIngest,
  answer: () => benchAnswer(),
  hostile: benchHostile,
  'spreadsheet-retrieval': benchSpreadsheetRetrieval,
  // Not in the default run: real RabbitMQ and four to six processes.
  scale: benchScale,
  // Not in the default run: it writes a 0.6 GB model file first (once).
  'answer-1b-shape': async () => benchAnswer(syntheticModel()),
};
const DEFAULT_RUN = ['search', 'llm', 'analytics', 'ingest', 'answer'];

applyNativeThreadingDefaults();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : DEFAULT_RUN;
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const result = { benchmark: name, at: new Date().toISOString(), ...(await bench()) };
  // A partial run (BENCH_ANSWER_PARTS=fresh, BENCH_INGEST_CASES=small) keeps its own file beside the whole run's.
  const [parts, all] = name.startsWith('answer')
    ? [process.env.BENCH_ANSWER_PARTS, 'overhead,fresh,openai']
    : name === 'ingest'
      ? [process.env.BENCH_INGEST_CASES, 'squad,pdf,small,ocr']
      : name === 'search' && process.env.BENCH_HNSW === '0'
        ? ['exact', '']
        : [undefined, ''];
  const file = await writeResult(parts && parts !== all ? `${name}-${parts.split(',').sort().join('-')}` : name, result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
}
