/**
 * The many-small-files case of `npm run bench:ingest`: runs ingest-small-child.ts in its own
 * process and turns its ready times into the goal's figures: documents/s over the first and the
 * last thousand (a fifth of the run when it is shorter than 5000 files) and over the whole run,
 * against the embedder alone on the same chunk batches. BENCH_SMALL_FILES sets the file count
 * (default 5000); the batch bound is the worker's (INGEST_BATCH_MAX, INGEST_BATCH_WINDOW_MS).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../src/config.ts';
import { round } from './stats.ts';

interface SmallResult {
  files: number;
  failed: number;
  chunks: number;
  pipelineMs: number;
  rawMs: number;
  /** When each document was reported ready, ms after the consumer started, in order. */
  readyMs: number[];
  /** Start and end of each embedding call in the pipeline, ms after the consumer started. */
  embedCallsMs: Array<[number, number]>;
  versions: number;
  saves: number;
  saveMs: number;
  maxRssKb: number;
  model: string;
}

function runChild(args: string[]): Promise<SmallResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/ingest-small-child.ts'), ...args], {
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
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`small-files child exited ${code}: ${err}`));
      else resolve(JSON.parse(line) as SmallResult);
    });
  });
}

export async function benchSmallFiles(o: { modelDir: string; threads: number; batch: number; squadDir: string; config: Config }): Promise<Record<string, unknown>> {
  const count = Number(process.env.BENCH_SMALL_FILES ?? 5000);
  const { batchMax, batchWindowMs } = o.config.ingest;
  process.stderr.write(`ingest: ${count} small files (batches of up to ${batchMax} documents or ${batchWindowMs} ms)...\n`);
  const r = await runChild([o.modelDir, String(o.threads), String(o.batch), String(count), String(batchMax), String(batchWindowMs), o.squadDir]);
  const ready = r.readyMs;
  const n = ready.length;
  const span = Math.min(1000, Math.max(1, Math.floor(n / 5)));
  const first = span / (ready[span - 1]! / 1000);
  const lastFrom = ready[n - span - 1] ?? 0;
  const last = span / ((ready[n - 1]! - lastFrom) / 1000);
  /** The share of [from, to] spent inside the embedder: 1 when nothing else costs time. */
  const embedShare = (from: number, to: number): number =>
    r.embedCallsMs.reduce((ms, [a, b]) => ms + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0) / (to - from);
  const firstShare = embedShare(0, ready[span - 1]!);
  const lastShare = embedShare(lastFrom, ready[n - 1]!);
  return {
    files: r.files,
    failed: r.failed,
    chunks: r.chunks,
    batchMax,
    batchWindowMs,
    span,
    firstDocsPerSecond: round(first, 2),
    lastDocsPerSecond: round(last, 2),
    ratioLastToFirst: round(last / first),
    // The same comparison with the host's speed taken out: time inside the embedder / wall time.
    embedShareFirst: round(firstShare),
    embedShareLast: round(lastShare),
    ratioEmbedShareLastToFirst: round(lastShare / firstShare),
    docsPerSecond: round(n / (r.pipelineMs / 1000), 2),
    rawDocsPerSecond: round(n / (r.rawMs / 1000), 2),
    ratioPipelineToRaw: round(r.rawMs / r.pipelineMs),
    // The whole run's time inside the embedder / wall time: the same goal measured during the run,
    // unmoved by a change in the host's speed between the run and the baseline after it.
    embedShareWhole: round(embedShare(0, r.pipelineMs)),
    pipelineSeconds: round(r.pipelineMs / 1000, 1),
    rawEmbedSeconds: round(r.rawMs / 1000, 1),
    versions: r.versions,
    saveSeconds: round(r.saveMs / 1000, 1),
    meanSaveMs: r.saves > 0 ? round(r.saveMs / r.saves, 1) : null,
    peakRssMb: round(r.maxRssKb / 1024, 1),
  };
}
