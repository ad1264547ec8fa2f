/**
 * `npm run eval:answers [-- --count N --max-tokens N]`: answer quality on squad-dev. Ingests the
 * 16 documents through the real pipeline into a fresh index, starts Docent all-in-one as a real
 * process (src/bin/start.ts: in-process bus, one answer worker) on that index, and asks a fixed
 * sample of questions (every n-th of questions.jsonl, answerable and impossible mixed as in the
 * file; default 200) through POST /api/ask. Scores: answer match on the answerable ones, refusal
 * rate on the impossible ones (src/eval/answer-metrics.ts). Written to
 * bench/results/answers-squad-dev.json, with the models named.
 *
 * Models: the small test models (tests/support/test-models.ts) unless CHAT_MODEL / EMBED_MODEL
 * are set. Generation: temperature 0, seed 1, max tokens 64 (--max-tokens), retrieval k 4.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyNativeThreadingDefaults } from '../src/config.ts';
import { INGEST_CONTRACT_VERSION, type IngestJob } from '../src/contracts/ingest.ts';
import { sampleQuestions, scoreAnswers } from '../src/eval/answer-metrics.ts';
import { loadSquadSet, type SquadQuestion } from '../src/eval/squad-set.ts';
import { ingestDocument } from '../src/ingest/pipeline.ts';
import { createOnnxEmbedder } from '../src/llm/onnx-embedder.ts';
import { openFaissStore } from '../src/retrieval/faiss-store.ts';
import { freePort, startRole, waitForHttp } from '../tests/support/processes.ts';
import { testModels } from '../tests/support/test-models.ts';
import { round, writeResult } from './stats.ts';

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
const chatModel = path.resolve(process.env.CHAT_MODEL ?? testModels().chat);
const embedModel = path.resolve(process.env.EMBED_MODEL ?? testModels().embed);
const setDir = path.resolve('../shared/eval/squad-dev');
const say = (line: string) => process.stderr.write(`${line}\n`);

const set = await loadSquadSet(setDir);
const questions = sampleQuestions(set.questions, count);
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-eval-answers-'));
const vsDir = path.join(tmp, 'vectorstore');
const started = performance.now();
let server: ReturnType<typeof startRole> | undefined;
try {
  // The index: every document through the ingest pipeline, saved where the service will read it.
  const embedder = await createOnnxEmbedder(embedModel, { threads: 2 });
  const store = await openFaissStore({
    dir: vsDir,
    manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: 1000, chunkOverlap: 150 },
  });
  let chunks = 0;
  for (const doc of set.docs) {
    const storedPath = path.join(setDir, 'docs', doc);
    const bytes = await fs.readFile(storedPath);
    const documentId = createHash('sha256').update(bytes).digest('hex');
    const job: IngestJob = { v: INGEST_CONTRACT_VERSION, id: randomUUID(), documentId, storedPath, name: doc, mediaType: 'text/plain', size: bytes.length };
    chunks += (await ingestDocument(job, { embedder, store, chunking: { size: 1000, overlap: 150, embedBatch: 32 } })).chunks;
  }
  const embedderName = embedder.modelName;
  await store.close();
  await embedder.close();
  say(`ingested ${set.docs.length} documents, ${chunks} chunks`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  server = startRole('all-in-one', 'start.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(tmp, 'data'),
    VECTORSTORE_DIR: vsDir,
    INGEST_INBOX: path.join(tmp, 'inbox'),
    CHAT_MODEL: chatModel,
    EMBED_MODEL: embedModel,
    AMQP_URL: '',
    KAFKA_BROKERS: '',
    LOG_LEVEL: 'warn',
    ANSWER_TIMEOUT_MS: '600000',
  });
  await waitForHttp(`${base}/readyz`, 300_000, [server]);

  const rows: Array<{ q: SquadQuestion; answer: string }> = [];
  const t0 = performance.now();
  for (const [i, q] of questions.entries()) {
    const res = await fetch(`${base}/api/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: q.question, settings }) });
    const body = (await res.json()) as { answer?: string; error?: string };
    if (res.status !== 200 || typeof body.answer !== 'string') throw new Error(`POST /api/ask answered ${res.status}: ${JSON.stringify(body)}`);
    rows.push({ q, answer: body.answer });
    if ((i + 1) % 20 === 0) say(`asked ${i + 1}/${questions.length} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const s = scoreAnswers(rows);
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
    answerable: s.answerable,
    impossible: s.impossible,
    answerMatch: round(s.answerMatch),
    refusalOnImpossible: round(s.refusalOnImpossible),
    refusalOnAnswerable: round(s.refusalOnAnswerable),
    chunks,
    seconds: { questions: round((performance.now() - t0) / 1000, 1), total: round((performance.now() - started) / 1000, 1) },
    examples: rows.slice(0, 6).map((r) => ({ question: r.q.question, impossible: r.q.impossible, gold: r.q.answers.slice(0, 3), answer: r.answer })),
  };
  const file = await writeResult('answers-squad-dev', result);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n-> ${file}\n`);
} finally {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}
