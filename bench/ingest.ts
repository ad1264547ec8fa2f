/**
 * `npm run bench:ingest`: ingestion speed through the whole pipeline against the embedder alone on
 * the same chunks, in the same run, for the squad-dev documents (../shared/eval/squad-dev/docs) and
 * a generated 300-page PDF (tests/support/make-pdf.ts); and the peak RSS of the process ingesting
 * the PDF. Each set runs in its own child process (bench/ingest-child.ts), in rounds that
 * alternate pipeline and baseline (ABBA); the goal is judged on the median of the paired ratios,
 * which a drift in the shared host's speed between the two sides does not move. BENCH_PDF_PAGES
 * sets the PDF's page count, BENCH_INGEST_ROUNDS the PDF's rounds (default 10; squad-dev takes 2,
 * each of its 16 files giving a pair per round).
 *
 * The many-small-files case (ingest-small-child.ts) queues BENCH_SMALL_FILES (default 5000) distinct
 * 1-2 KB files as ingest jobs for the worker's handler, with the worker's batch bound
 * (INGEST_BATCH_MAX, INGEST_BATCH_WINDOW_MS), and reports documents/s over the first and the last
 * thousand (a fifth of the run when it is shorter than 5000) and the whole run against the
 * embedder alone. BENCH_INGEST_CASES (default `squad,pdf,small,ocr`) picks the cases; `ocr` is the OCR
 * case (bench/ocr.ts: pages per second and character accuracy on a generated scanned PDF).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.ts';
import { makePdf } from '../tests/support/make-pdf.ts';
import { testModels } from '../tests/support/test-models.ts';
import { benchSmallFiles } from './ingest-small.ts';
import { benchOcr } from './ocr.ts';
import { median, round } from './stats.ts';

interface ChildResult {
  files: number;
  pages: number;
  chunks: number;
  pipelineMs: number;
  rawMs: number;
  embedCallsMs: number;
  firstEmbedMs: number;
  rounds: number;
  pairedRatios: number[];
  maxRssKb: number;
  stageMs: Record<string, number>;
  model: string;
}

const WORDS = (
  'the harbour council agreed to repair the northern pier before winter while engineers measured ' +
  'tides currents and the weight of ferries arriving from distant islands with grain timber wool ' +
  'and passengers who paid a modest toll recorded in ledgers kept by the clerk of works since'
).split(' ');

/** A page of about 1 700 characters of varied prose, 19 lines. */
function pageText(n: number): string {
  const lines: string[] = [`Chapter ${Math.floor(n / 10) + 1}, page ${n + 1}`];
  let s = n * 7919;
  for (let l = 0; l < 18; l++) {
    const words: string[] = [];
    for (let w = 0; w < 14; w++) words.push(WORDS[(s = (s * 1103515245 + 12345) % 2147483648) % WORDS.length]!);
    lines.push(`${words.join(' ')}.`);
  }
  return lines.join('\n');
}

function runChild(files: string[], modelDir: string, threads: number, batch: number, rounds: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/ingest-child.ts'), modelDir, String(threads), String(batch), String(rounds), ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`ingest child exited ${code}: ${err}`));
      else resolve(JSON.parse(line) as ChildResult);
    });
  });
}

function figures(r: ChildResult): Record<string, unknown> {
  const s = r.pipelineMs / 1000;
  return {
    files: r.files,
    rounds: r.rounds,
    pages: r.pages,
    chunks: r.chunks,
    pipelineSeconds: round(s, 2),
    rawEmbedSeconds: round(r.rawMs / 1000, 2),
    // Inside the embedder during the pipeline (slower than raw when the parse child shares the cores).
    embedCallsSeconds: round(r.embedCallsMs / 1000, 2),
    // From the start of each document to its first embedding call (the embedder idle), summed.
    firstEmbedSeconds: round(r.firstEmbedMs / 1000, 2),
    pagesPerSecond: r.pages > 0 ? round(r.pages / s, 2) : null,
    chunksPerSecond: round(r.chunks / s, 2),
    rawChunksPerSecond: round(r.chunks / (r.rawMs / 1000), 2),
    // The goal's figure: raw / pipeline per (file, round), median; and the same from the summed times.
    ratioPipelineToRaw: round(median(r.pairedRatios)),
    ratioOfSums: round(r.rawMs / r.pipelineMs),
    pairedRatioRange: [round(Math.min(...r.pairedRatios)), round(Math.max(...r.pairedRatios))],
    // Every round's ratio, so several runs can be pooled.
    pairedRatios: r.pairedRatios.map((x) => round(x)),
    peakRssMb: round(r.maxRssKb / 1024, 1),
    // Where the pipeline's time went; parsing includes handing the file to the parse child, and for a PDF,
    // whose pages are embedded as they are read, most of the embedding.
    stageSeconds: Object.fromEntries(Object.entries(r.stageMs).map(([k, v]) => [k, round(v / 1000, 2)])),
  };
}

export async function benchIngest(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const modelDir = testModels().embed;
  const threads = config.models.threads;
  const batch = config.chunking.embedBatch;
  const pageCount = Number(process.env.BENCH_PDF_PAGES ?? 300);
  const pdfRounds = Number(process.env.BENCH_INGEST_ROUNDS ?? 10);
  const squadDir = path.resolve('../shared/eval/squad-dev/docs');
  const squadFiles = (await fs.readdir(squadDir)).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(squadDir, f));
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-bench-pdf-'));
  try {
    const pdf = path.join(tmp, `generated-${pageCount}-pages.pdf`);
    await fs.writeFile(pdf, makePdf(Array.from({ length: pageCount }, (_, i) => pageText(i))));
    const pdfBytes = (await fs.stat(pdf)).size;
    const cases = new Set((process.env.BENCH_INGEST_CASES ?? 'squad,pdf,small,ocr').split(','));
    if (cases.has('squad')) process.stderr.write(`ingest: ${squadFiles.length} squad-dev documents...\n`);
    const squad = cases.has('squad') ? await runChild(squadFiles, modelDir, threads, batch, 2) : null;
    if (cases.has('pdf')) process.stderr.write(`ingest: ${pageCount}-page PDF (${(pdfBytes / 1e6).toFixed(1)} MB)...\n`);
    const big = cases.has('pdf') ? await runChild([pdf], modelDir, threads, batch, pdfRounds) : null;
    const small = cases.has('small') ? await benchSmallFiles({ modelDir, threads, batch, squadDir, config }) : null;
    const ocr = cases.has('ocr') ? await benchOcr(squadDir) : null;
    return {
      model: squad?.model ?? big?.model ?? null,
      embedThreads: threads,
      embedBatch: batch,
      chunking: { size: 1000, overlap: 150 },
      goals: { ratioPipelineToRaw: '>= 0.9', pdfPeakRssMb: '< 1024', smallFiles: 'lastToFirstThousand >= 0.8, ratioPipelineToRaw >= 0.8' },
      squadDev: squad && figures(squad),
      pdf: big && { ...figures(big), bytes: pdfBytes },
      smallFiles: small,
      ...(ocr ? { ocr } : {}),
      note: 'seconds are per round; peakRssMb is the ingest process (embedder, store, pipeline); each document is parsed in its own child process, taken warm from the spare the ingest worker keeps',
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
