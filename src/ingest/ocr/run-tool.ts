/**
 * Runs one of the OCR programs (tesseract, pdftoppm, pdfinfo) as a child of the parse child, with
 * every bound the parse itself has:
 *   - a time limit of its own (killed with SIGKILL when it passes),
 *   - the parse's AbortSignal (the parse timed out or was given up: the program dies with it),
 *   - an address-space cap (`prlimit --as`, the parse's memory limit): these are C programs that
 *     reserve what they use, unlike V8, so the kernel limit means what it says; a page that needs
 *     more fails with a reason instead of pushing the machine into swap,
 *   - one OpenMP thread: tesseract's default of one per core made a page take 11 s instead of 1.5 s
 *     on a 2-core machine shared with the embedder (measured).
 * And the parent kills the parse child's whole process group (parse-child-process.ts), so no
 * program outlives a parse that was killed from outside either.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { AppError } from '../../errors.ts';

const PRLIMIT = '/usr/bin/prlimit';
const ENV = '/usr/bin/env';
const hasPrlimit = fs.existsSync(PRLIMIT);
/** Kept of a program's stderr for the error message. */
const STDERR_KEEP = 2000;

export interface ToolOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Address-space cap in MB; none when absent (or where prlimit is missing). */
  maxMemoryMb?: number | undefined;
  /** Most bytes of stdout kept (default 16 MB); more is an error. */
  maxStdoutBytes?: number;
}

export type ToolResult = { ok: true; stdout: Buffer } | { ok: false; reason: 'timeout' | 'aborted' | 'failed'; detail: string };

/** Packages that provide each program, for the message when one is missing. */
const PACKAGES: Record<string, string> = { tesseract: 'tesseract-ocr', pdftoppm: 'poppler-utils', pdfinfo: 'poppler-utils', pdfimages: 'poppler-utils' };

export function missingProgram(program: string): AppError {
  return new AppError(`${program} is not installed: install ${PACKAGES[program] ?? program} (scripts/system-deps.sh does) or set OCR=off`, { code: 'ocr_missing' });
}

/** Runs `program args`; resolves with stdout or why it did not finish. Rejects only when the program is missing. */
export function runTool(program: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  // `env` adds the thread limit to the inherited environment and execs the program (same pid).
  const command = [ENV, 'OMP_THREAD_LIMIT=1', program, ...args];
  const [file, ...argv] = opts.maxMemoryMb !== undefined && hasPrlimit ? [PRLIMIT, `--as=${opts.maxMemoryMb * 1024 * 1024}`, ...command] : command;
  const maxStdout = opts.maxStdoutBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return resolve({ ok: false, reason: 'aborted', detail: '' });
    const child = spawn(file!, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let why: 'timeout' | 'aborted' | 'failed' | null = null;
    const kill = (reason: 'timeout' | 'aborted' | 'failed'): void => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs);
    const onAbort = (): void => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxStdout) return kill('failed');
      out.push(d);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err = (err + d).slice(-STDERR_KEEP)));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (e.code === 'ENOENT') reject(missingProgram(program));
      else reject(new AppError(`could not start ${program}: ${e.message}`, { code: 'ocr_spawn', cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (why === null && code === 0) return resolve({ ok: true, stdout: Buffer.concat(out) });
      // env (exit 127) says so itself when the program is missing.
      if (code === 127 && !why) return reject(missingProgram(program));
      const detail = why === 'failed' && outBytes > maxStdout ? 'too much output' : lastLine(err) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      resolve({ ok: false, reason: why ?? 'failed', detail });
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^Estimating resolution|^Detected \d+ diacritics|^Warning: Invalid resolution/.test(l));
  return lines.at(-1) ?? '';
}
