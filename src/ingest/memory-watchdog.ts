/**
 * Watches a parse child's total memory from the parent: every WATCH_INTERVAL_MS it reads the
 * child's resident set (VmRSS in /proc/<pid>/status, everything the process holds in RAM: JS
 * heap, ArrayBuffers, native allocations of zlib or pdf.js) and calls `onOver` once it passes the
 * limit; the caller kills the child. The child's own `--max-old-space-size` only caps the JS heap,
 * and a decompression bomb lives outside it: a 3.6 MB .docx grew its child to 2.26 GB of RSS, a
 * PDF flate bomb to about 1 GB.
 *
 * Why a watchdog, and not a limit the kernel enforces (measured on Linux 6.1, Node 20):
 *   - RLIMIT_AS (`prlimit --as`): V8 reserves address space far beyond what it uses (an idle
 *     child has a VmSize of 33-35 GB), so any useful limit refuses its start-up.
 *   - RLIMIT_DATA (`prlimit --data`): counts writable private mappings, not memory in use. A warmed
 *     PDF child has 1.44 GB of VmData with 336 MB resident (one 1 GB mapping holds 8 MB). With
 *     1024 MB the child starts but a 600 MB Buffer fails with a catchable RangeError (which a
 *     parser may report as a damaged file); with 1536 MB V8 aborted during pdf.js's warm-up with
 *     its heap at 200 MB; with 2048 MB the 600 MB Buffer failed again. The limit lands at
 *     unrelated places, so it cannot be given a meaning a person could act on.
 *   - cgroup v2 memory.max: exact, but it needs a delegated, writable cgroup hierarchy, which a
 *     container or a laptop install usually does not give a Node process (this host runs cgroup
 *     v1), so it cannot be the mechanism Docent relies on.
 *   - The watchdog is plain Linux (/proc), measures exactly what "memory" means to a person, and
 *     the kill is a clean, reportable outcome. Its weakness is the gap between two readings: a
 *     child that allocates and touches memory faster than that overshoots by what it touches in
 *     one interval (plus any time the parent's event loop is busy), which with a 20 ms interval is
 *     tens of MB for the parsers' decoders; the tests bound the overshoot. Reading the file costs
 *     about 30 us, so polling this often is cheap.
 * Where /proc is missing (not Linux), the watchdog does nothing and the heap cap is the only limit.
 */
import fs from 'node:fs';

export const WATCH_INTERVAL_MS = 20;

export interface MemoryReading {
  /** Resident memory now, MB. */
  rssMb: number;
  /** Highest resident memory so far (VmHWM), MB. */
  peakMb: number;
}

/** The process's resident memory, or null when it is gone or /proc cannot be read. */
export function readMemory(pid: number): MemoryReading | null {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const kb = (field: string): number | null => {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : null;
  };
  const rss = kb('VmRSS');
  if (rss === null) return null; // a zombie has no memory fields
  return { rssMb: rss / 1024, peakMb: (kb('VmHWM') ?? rss) / 1024 };
}

export interface MemoryWatch {
  /** The highest resident memory seen so far, MB (null before the first reading). */
  readonly peakMb: number | null;
  /** Stops watching. Idempotent. */
  stop(): void;
}

/** Polls `pid` until stopped (or it is gone) and calls `onOver` once when RSS passes `limitMb`. */
export function watchMemory(pid: number, limitMb: number, onOver: (reading: MemoryReading) => void, intervalMs = WATCH_INTERVAL_MS): MemoryWatch {
  let peakMb: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearInterval(timer);
    timer = undefined;
  };
  const check = (): void => {
    const r = readMemory(pid);
    if (r === null) return stop();
    peakMb = Math.max(peakMb ?? 0, r.peakMb);
    if (r.rssMb > limitMb) {
      stop();
      onOver(r);
    }
  };
  check();
  if (peakMb !== null) {
    timer = setInterval(check, intervalMs);
    timer.unref(); // the child's own handles keep the process alive while it matters
  }
  return {
    get peakMb() {
      return peakMb;
    },
    stop,
  };
}
