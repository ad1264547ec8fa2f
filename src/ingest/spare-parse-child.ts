/**
 * The ingest worker's parser: isolated parsing (isolated-parser.ts) with one spare parse child
 * kept started and warmed, so a document does not wait for a child's cold start. A cold PDF child
 * needs ~1.6 s (2.5 s on a busy machine: Node + tsx, loading pdf.js, pdf.js setting up for its first
 * document) before it reads the first page, and the embedder sits idle all that time; a warmed
 * spare reads the first pages within ~0.1 s of being handed the file.
 *
 * Isolation is unchanged: every child still serves exactly ONE document (heap cap, timeout, a crash
 * or hang costs that job only) and is ended after it. The owner calls `replenish()` when the
 * document is done (the pipeline's `afterDocument`), and the next spare starts then, so a queue of
 * documents finds a child at least part-way warmed. Not earlier: warming costs ~1.5 s of CPU, and
 * once the parse is over the embedder works on the document with every thread (pipeline.ts), so a
 * child warming beside it would take that from the document being ingested.
 *
 * Rules that keep it from leaking or misleading:
 *   - at most one spare exists at any time (children in use are not spares);
 *   - a spare that dies while idle is never handed out: it is replaced, after a back-off that grows
 *     while spares keep dying before they are ready (a broken install does not fork in a loop);
 *   - with less than MIN_FREE_MB of free memory no spare is kept: the job forks its own child as
 *     before, and an idle spare is not worth pushing the machine towards the OOM killer;
 *   - `close()` (the runtime's closer) ends the spare and starts no new one; a parse after that
 *     still works, in a child of its own.
 *
 * The spare preloads the PDF parser whatever comes next: pdf.js is the only parser that is slow to
 * load (the others take milliseconds), and a child that loaded it reads any other type just the same.
 */
import os from 'node:os';
import type { Logger } from '../log.ts';
import { parseIsolated, type IsolatedParserOptions } from './isolated-parser.ts';
import type { DocumentParser } from './parse-document.ts';
import { ParseChildProcess } from './parse-child-process.ts';

/**
 * Below this much free memory (os.freemem) no spare is kept: an idle warmed spare holds ~300 MB,
 * and a child in use may grow to its memory limit (PARSE_MAX_MEMORY_MB, 1 GB by default).
 */
export const MIN_FREE_MB = 1024;
const FIRST_RETRY_MS = 1000;
/**
 * The parse children of the ingest worker run at this nice level. The embedder wants every core
 * while a document streams in, and its onnxruntime threads lose whole time slices when a child
 * takes one; a PDF's text costs pdf.js far less CPU than its embedding, so a child at a lower
 * priority still keeps ahead of the embedder (it may read at most a few batches ahead anyway).
 */
const PARSE_CHILD_NICE = 10;
const MAX_RETRY_MS = 60_000;
/** What the spare preloads: the one parser worth warming ahead of the file. */
const PRELOAD_TYPE = 'application/pdf';

export interface SpareParserOptions extends Omit<IsolatedParserOptions, 'child'> {
  logger?: Logger;
  /** Free memory in bytes; default os.freemem. Tests simulate memory pressure with it. */
  freeMemory?: () => number;
}

export class SpareParser {
  /** The DocumentParser for the pipeline: a parse in the spare child when there is one. */
  readonly parse: DocumentParser;
  private spare: ParseChildProcess | null = null;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Removes the idle spare's watchers (when it is taken, closed or dead). */
  private unwatch: (() => void) | undefined;
  /** Children started as spares so far (tests count them). */
  started = 0;

  constructor(private readonly opts: SpareParserOptions = {}) {
    this.parse = (input, type, onPage, onPages, chunking) => {
      const child = this.take();
      return parseIsolated(input, type, { ...this.opts, ...(child ? { child } : {}) }, onPage, onPages, chunking);
    };
    this.replenish();
  }

  /** The current spare, if any (tests watch its process). */
  get current(): ParseChildProcess | null {
    return this.spare;
  }

  /** Resolves once a spare is warmed and ready (or there is none to wait for): the bench waits for it. */
  async ready(): Promise<void> {
    for (;;) {
      const s = this.spare;
      if (!s || s.ready || !s.alive) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          s.process.off('message', done);
          s.process.off('exit', done);
          resolve();
        };
        s.process.on('message', done);
        s.process.on('exit', done);
      });
    }
  }

  /** Ends the spare; no new one is started. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const s = this.spare;
    this.spare = null;
    this.unwatch?.();
    this.unwatch = undefined;
    if (!s || s.process.exitCode !== null || s.process.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      s.process.once('exit', () => resolve());
      s.kill();
    });
  }

  /** Hands the spare over (a starting one too: it is further along than a new fork). */
  private take(): ParseChildProcess | null {
    const s = this.spare;
    this.spare = null;
    this.unwatch?.();
    this.unwatch = undefined;
    if (!s) return null;
    if (s.alive) return s;
    s.kill(); // gone, or its channel is: never handed out
    return null;
  }

  /** Starts the next spare unless there is one (or one is due after a failure, or it is closed). */
  replenish(): void {
    if (this.closed || this.spare !== null || this.retryTimer !== undefined) return;
    const freeMb = (this.opts.freeMemory ?? os.freemem)() / 2 ** 20;
    if (freeMb < MIN_FREE_MB) {
      this.opts.logger?.debug({ freeMb: Math.round(freeMb) }, 'little free memory: no spare parse child is kept');
      return;
    }
    let child: ParseChildProcess;
    try {
      child = new ParseChildProcess(PRELOAD_TYPE, this.opts);
    } catch (err) {
      this.opts.logger?.warn({ err }, 'could not start a spare parse child');
      return this.retryLater();
    }
    this.started++;
    this.spare = child;
    lowerPriority(child, this.opts.logger);
    const onMessage = (): void => {
      if (child.ready) this.retryMs = FIRST_RETRY_MS;
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      this.unwatch?.();
      this.unwatch = undefined;
      this.spare = null;
      this.opts.logger?.warn({ code, signal, stderr: child.stderr.slice(-500) }, 'the spare parse child died while idle; starting another');
      if (child.ready) this.replenish();
      else this.retryLater();
    };
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
    this.unwatch = () => {
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
  }

  private retryLater(): void {
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.replenish();
    }, wait);
    this.retryTimer.unref();
  }
}

function lowerPriority(child: ParseChildProcess, logger: Logger | undefined): void {
  const pid = child.process.pid;
  if (pid === undefined) return;
  try {
    os.setPriority(pid, PARSE_CHILD_NICE);
  } catch (err) {
    logger?.debug({ err }, 'could not lower the parse child\'s priority');
  }
}
