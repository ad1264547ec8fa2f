/**
 * Test helper: how a function's running time grows with its input, as a ratio measured here and
 * now (never a fixed time budget, which a shared, noisy machine would break). Time is this
 * process's CPU time, not wall time: on a machine shared with other work, the time slices other
 * processes take would otherwise land on some runs and not others.
 *
 * The size is calibrated first (after a few warm-up runs): starting at `start`, it doubles until a
 * run at 1x takes at least `targetMs`, so timer resolution and noise do not dominate. Then the 1x and 4x inputs are each run
 * `repeats` times, interleaved, and the fastest run of each is kept (the least disturbed by GC and
 * other processes). A linear function gives a ratio near 4 (a little more as the input outgrows the
 * caches); a quadratic one about 16. (No forced garbage collection between runs: V8 then drops
 * the compiled code of functions, and the next run measures compiling them again.)
 */

export interface Growth {
  /** The 1x size used. */
  n: number;
  /** Fastest 1x run, ms. */
  t1: number;
  /** Fastest 4x run, ms. */
  t4: number;
  /** t4 / t1. */
  ratio: number;
}

export interface GrowthOptions {
  /** First size tried. */
  start: number;
  /** Largest 1x size calibration may reach. Default start * 2^20. */
  max?: number;
  /** CPU time one 1x run should take at least. Default 30 ms. */
  targetMs?: number;
  /** Runs of each size; the fastest counts. Default 7. */
  repeats?: number;
}

async function timeOnce<T>(run: (input: T) => unknown, input: T): Promise<number> {
  const before = process.cpuUsage();
  await run(input);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Measures t(4n) / t(n) for `run` (sync or async) over inputs made by `make`. */
export async function measureGrowth<T>(make: (n: number) => T, run: (input: T) => unknown, opts: GrowthOptions): Promise<Growth> {
  const targetMs = opts.targetMs ?? 30;
  const max = opts.max ?? opts.start * 2 ** 20;
  let n = opts.start;
  // Warm up first: the first runs include compiling the code, which would stop calibration early.
  const first = make(n);
  for (let i = 0; i < 10; i++) await timeOnce(run, first);
  for (;;) {
    const input = make(n);
    const t = Math.min(await timeOnce(run, input), await timeOnce(run, input), await timeOnce(run, input));
    if (t >= targetMs || n * 2 > max) break;
    n *= 2;
  }
  const small = make(n);
  const big = make(4 * n);
  let t1 = Infinity;
  let t4 = Infinity;
  for (let i = 0; i < (opts.repeats ?? 7); i++) {
    t1 = Math.min(t1, await timeOnce(run, small));
    t4 = Math.min(t4, await timeOnce(run, big));
  }
  return { n, t1, t4, ratio: t4 / Math.max(t1, 0.001) };
}

/** "n=... 12.3 ms -> 50.1 ms (x4.07)", for assertion messages and reports. */
export function describeGrowth(g: Growth): string {
  return `n=${g.n}: ${g.t1.toFixed(1)} ms -> ${g.t4.toFixed(1)} ms (x${g.ratio.toFixed(2)})`;
}
