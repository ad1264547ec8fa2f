/**
 * One forked parse child (src/bin/parse-child.ts, parse-protocol.ts) from the moment it is started:
 * whether it has said `ready` (its parser is loaded and warmed), whether it is still alive, and the
 * tail of its stderr (the last words of a crash). Forking is separate from parsing so a child can be
 * started ahead of the document it will read (spare-parse-child.ts) and handed to parseIsolated
 * later; a child still serves exactly one document.
 *
 * Memory: the child's JS heap is capped (--max-old-space-size) and, from the moment it starts, the
 * parent watches its total resident memory (memory-watchdog.ts) and kills it past
 * `maxTotalMemoryMb` (config PARSE_MAX_MEMORY_MB), so memory outside the heap (ArrayBuffers,
 * zlib, pdf.js's decoded streams) is bounded too; `memoryExceeded` then says so, and
 * isolated-parser.ts reports it as the reason.
 *
 * OCR programs: the child starts tesseract and poppler's programs for scans (ocr/run-tool.ts). It is
 * started as the leader of a process group of its own (`detached`), and `kill()` (timeout,
 * cancellation, memory) kills the whole group, so no tesseract outlives a parse however it ends;
 * the group is killed again when the child exits (a crash leaves nothing running), and the child's
 * OCR directory (ocr/work-dir.ts) is removed then.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { watchMemory, type MemoryReading, type MemoryWatch } from './memory-watchdog.ts';
import { ocrDirOf } from './ocr/work-dir.ts';
import { isParseReply } from './parse-protocol.ts';

/** Under 1 GB with room for the watchdog's overshoot (it reads every 20 ms; measured 15-70 MB past the limit). */
export const DEFAULT_MAX_MEMORY_MB = 960;
const DEFAULT_ENTRY = fileURLToPath(new URL('../bin/parse-child.ts', import.meta.url));
/** Kept of the child's stderr for the crash message (the last lines say what happened). */
const STDERR_KEEP = 8192;

export interface ParseChildOptions {
  /**
   * Total memory limit of the child in MB: its resident memory, whatever holds it (config
   * PARSE_MAX_MEMORY_MB). Default 960.
   */
  maxTotalMemoryMb?: number;
  /** Heap limit of the child in MB (--max-old-space-size). Default `maxTotalMemoryMb`. */
  maxMemoryMb?: number;
  /** Script the child runs; default src/bin/parse-child.ts. Tests point it at a misbehaving one. */
  entry?: string;
}

/**
 * Node options the child inherits: the TypeScript loader (tsx) and the like, but not the test
 * runner's flags, a debugger port or the parent's own heap size.
 */
function childExecArgv(maxMemoryMb: number): string[] {
  const keep = process.execArgv.filter((a) => !/^--(test|inspect|max-old-space-size|watch)/.test(a));
  if (!keep.some((a) => a.includes('tsx'))) keep.push('--import', 'tsx');
  return [...keep, `--max-old-space-size=${maxMemoryMb}`];
}

export class ParseChildProcess {
  readonly process: ChildProcess;
  readonly maxMemoryMb: number;
  readonly maxTotalMemoryMb: number;
  /** Set when the watchdog killed the child for using more than `maxTotalMemoryMb`. */
  memoryExceeded: MemoryReading | null = null;
  private readonly watch: MemoryWatch | null = null;
  private readyNow = false;
  private stderrTail = '';

  /** Forks the child; `preload` is the media type whose parser it loads before it says `ready`. */
  constructor(preload: string, opts: ParseChildOptions = {}) {
    this.maxTotalMemoryMb = opts.maxTotalMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
    this.maxMemoryMb = opts.maxMemoryMb ?? this.maxTotalMemoryMb;
    this.process = fork(opts.entry ?? DEFAULT_ENTRY, [preload], {
      execArgv: childExecArgv(this.maxMemoryMb),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Its own process group: kill() reaches the OCR programs it started too.
      detached: true,
    });
    const groupPid = this.process.pid;
    this.process.once('exit', () => {
      if (groupPid === undefined) return;
      killGroup(groupPid);
      fs.rm(ocrDirOf(groupPid), { recursive: true, force: true }, () => undefined);
    });
    this.process.on('message', (msg: unknown) => {
      if (isParseReply(msg) && msg.kind === 'ready') this.readyNow = true;
    });
    // Without a listener an error (spawn failure) would be thrown; its users judge it themselves.
    this.process.on('error', () => undefined);
    const pid = this.process.pid;
    if (pid !== undefined) {
      this.watch = watchMemory(pid, this.maxTotalMemoryMb, (reading) => {
        this.memoryExceeded = reading;
        this.kill();
      });
      this.process.once('exit', () => this.watch?.stop());
    }
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-STDERR_KEEP);
    });
  }

  /** It has said `ready`: a request sent now is read at once. */
  get ready(): boolean {
    return this.readyNow;
  }

  /** Not known to have exited (a death is noticed when Node sees the exit). */
  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null && this.process.connected;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  /** The highest resident memory of the child seen so far, MB (null where it cannot be read). */
  get peakRssMb(): number | null {
    return this.watch?.peakMb ?? null;
  }

  /** Ends the child and every program it started, at once (no-op when they are gone). */
  kill(): void {
    if (this.process.pid !== undefined) killGroup(this.process.pid);
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

/** SIGKILL to the process group led by `pid` (the parse child and its OCR programs); gone already is fine. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left.
  }
}
