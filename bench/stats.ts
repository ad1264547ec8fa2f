/** Small helpers for benchmarks: timing, percentiles, result files. */
import fs from 'node:fs/promises';
import path from 'node:path';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The median of unsorted figures. */
export const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 0.5);

/** Runs `fn` `n` times after `warmup` runs; returns per-run milliseconds, sorted. */
export async function timeRuns(n: number, warmup: number, fn: (i: number) => unknown): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export async function writeResult(name: string, result: unknown): Promise<string> {
  const file = path.resolve('bench/results', `${name}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
