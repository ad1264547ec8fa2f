/**
 * Runs each parse in its own child process, so a malformed file costs one job and never the
 * ingest worker: a parser that crashes (native abort, uncaught error), hangs (an endless loop in
 * synchronous code, which no in-process timer can interrupt) or runs out of memory ends only its
 * child. The child's heap is capped (--max-old-space-size), the parent kills it when its total
 * memory passes the limit (parse-child-process.ts) and at the timeout, which counts from the
 * moment the child is ready (its start-up, including loading the parser for the file's type, is
 * not the file's fault).
 *
 * Outcomes, as errors the job handler understands:
 *   - the parser rejected the file -> the child's InvalidInputError, message unchanged;
 *   - timeout                      -> InvalidInputError "the parser stopped after 120 s ..." (the budget
 *                                     grows by OCR_PAGE_TIMEOUT_MS for each page read by OCR);
 *   - JS heap exhausted            -> InvalidInputError "the parser ran out of memory ...";
 *   - over the total memory limit  -> InvalidInputError "the parser used more than 1024 MB of memory
 *                                     (limit PARSE_MAX_MEMORY_MB); a decompression bomb ...";
 *   - any other death              -> InvalidInputError "the parser crashed: ...".
 * These are facts about the file (the same bytes do the same thing again), so they are not
 * retried; failing to start a child at all is an infrastructure error and stays retryable.
 *
 * A cold child costs ~0.2 s to start (Node + tsx) and, for a PDF, ~1.5 s more to load and set up
 * pdf.js (several seconds on a busy machine): the ingest worker therefore hands over an already
 * started and warmed child (`child`, from spare-parse-child.ts); without one, a child is forked here.
 *
 * The file goes to the child as its bytes or as its stored path (`{ path }`, which the child reads
 * itself): the ingest worker then never holds a large file, nor its serialized copy on the channel.
 *
 * Given `onPages`, a PDF is streamed (parse-protocol.ts): each batch of pages is handed to
 * `onPages` as the child sends it, one call at a time, and the child gets its next credit only when
 * that call resolved. The parse timeout does not run while the child waits for a credit (that is
 * the consumer's time, not the file's). If `onPages` rejects, the child is killed and the parse
 * rejects with that error. The parse resolves only after every `onPages` call has finished.
 *
 * Given `chunking`, the child also chunks (any format) and the chunks come to `chunking.onChunks`
 * the same way, with the same credit; the parent then never runs the splitter, which on a large
 * text would hold its event loop for seconds (parse-protocol.ts).
 */
import type { MediaType } from '../contracts/ingest.ts';
import { AppError, InvalidInputError } from '../errors.ts';
import type { ChunkingRequest, DocumentParser, PageProgress, PagesSink, ParseInput } from './parse-document.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from './ocr/ocr-options.ts';
import { ParseChildProcess, type ParseChildOptions } from './parse-child-process.ts';
import { isParseReply, STREAM_WINDOW, type MoreCredit, type ParseRequest } from './parse-protocol.ts';
import { ParseTimer } from './parse-timer.ts';

export interface IsolatedParserOptions extends ParseChildOptions {
  /** Longest one parse may take (config PARSE_TIMEOUT_MS, default 120 000 ms), plus `ocr.pageTimeoutMs` per page recognised. */
  timeoutMs?: number;
  /** OCR settings for scans and images (config OCR_*); default DEFAULT_OCR_OPTIONS. */
  ocr?: OcrOptions;
  /**
   * An already started child to parse in (it serves this one document and is ended after it);
   * default a child forked for this parse. Its own memory limits apply, not the ones given here.
   */
  child?: ParseChildProcess;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 120_000;
/** A child that has not loaded its code by then is not coming (an infrastructure problem). */
const START_TIMEOUT_MS = 60_000;

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && !/^-+$/.test(l));
  const line = lines.find((l) => /Error|error:/.test(l)) ?? lines.at(-1) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function memoryError(limitMb: number): InvalidInputError {
  return new InvalidInputError(
    `the parser used more than ${limitMb} MB of memory (limit PARSE_MAX_MEMORY_MB); a decompression bomb or a very large document?`,
    { code: 'parser_memory' },
  );
}

function crashError(code: number | null, signal: NodeJS.Signals | null, stderr: string, maxMemoryMb: number): InvalidInputError {
  if (/heap out of memory|Allocation failed|out of memory/i.test(stderr)) {
    return new InvalidInputError(`the parser ran out of memory (limit ${maxMemoryMb} MB); the file may be damaged or too large to read`, { code: 'parser_oom' });
  }
  const how = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
  const detail = lastLine(stderr);
  return new InvalidInputError(`the parser crashed: ${detail === '' ? how : `${detail} (${how})`}`, { code: 'parser_crashed' });
}

/** Parses one document in a fresh child process; with `onPages`, streams a PDF's pages to it; with `chunking`, chunks there too. */
export function parseIsolated(
  input: ParseInput,
  type: MediaType,
  opts: IsolatedParserOptions = {},
  onPage?: PageProgress,
  onPages?: PagesSink,
  chunking?: ChunkingRequest,
): Promise<ParsedDocument> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  return new Promise<ParsedDocument>((resolve, reject) => {
    let settled = false;
    /** The child sent its final reply; its exit after that is expected. */
    let answered = false;
    /** `pages` / `chunks` messages received and not yet answered with a credit. */
    let unanswered = 0;
    /** The `onPages` calls, one after another. */
    let consumed: Promise<void> = Promise.resolve();
    // The type lets a forked child load its parser before it says `ready` (parse-child.ts).
    const handle = opts.child ?? new ParseChildProcess(type, opts);
    const child = handle.process;
    const maxMemoryMb = handle.maxMemoryMb;
    const maxTotalMemoryMb = handle.maxTotalMemoryMb;
    const ocr = opts.ocr ?? DEFAULT_OCR_OPTIONS;
    /** The last page the child announced it reads by OCR (each one extends the budget once). */
    let lastRecognised = 0;
    const finish = (err: Error | null, doc?: ParsedDocument): void => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      parseTimer.stop();
      // The child has nothing left to do once it answered; after a timeout it may be stuck in a loop.
      handle.kill();
      if (err) reject(err);
      else resolve(doc!);
    };
    const startTimer = setTimeout(() => {
      finish(new AppError(`the parser did not start within ${seconds(START_TIMEOUT_MS)}`, { code: 'parser_start', retryable: true }));
    }, START_TIMEOUT_MS);
    const parseTimer = new ParseTimer(timeoutMs, () => {
      const budget = timeoutMs + lastRecognised * ocr.pageTimeoutMs;
      const ocrNote = lastRecognised > 0 ? ` (${seconds(timeoutMs)} + ${seconds(ocr.pageTimeoutMs)} for each of ${lastRecognised} pages read by OCR)` : '';
      finish(new InvalidInputError(`the parser stopped after ${seconds(budget)}${ocrNote}: the file may be damaged or too complex to read`, { code: 'parser_timeout' }));
    });
    const start = (): void => {
      clearTimeout(startTimer);
      parseTimer.resume();
      const chunk = chunking ? { chunk: { source: chunking.source, size: chunking.options.size, overlap: chunking.options.overlap } } : {};
      const file = input instanceof Uint8Array ? { bytes: input } : { path: input.path };
      const request: ParseRequest = { kind: 'parse', ...file, type, timeoutMs, ...(onPages ? { stream: true } : {}), ...chunk, ocr, ocrMaxMemoryMb: maxTotalMemoryMb };
      child.send(request, (err) => {
        if (err) finish(new AppError(`could not hand the file to the parser: ${err.message}`, { code: 'parser_ipc', retryable: true, cause: err }));
      });
    };
    /** Hands one streamed message to its consumer, in order, and answers it with a credit. */
    const receive = (done: number, total: number, consume: () => Promise<void>): void => {
      if (total > 0) onPage?.(done, total);
      // Out of credit, the child waits for us: that time is not the parse's.
      if (++unanswered >= STREAM_WINDOW) parseTimer.pause();
      consumed = consumed.then(async () => {
        if (settled) return;
        await consume();
        unanswered--;
        if (settled || answered) return;
        parseTimer.resume();
        const more: MoreCredit = { kind: 'more' };
        child.send(more, (err) => void err); // a child that is gone is judged by its exit
      });
      consumed.catch((err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
    };
    child.on('message', (msg: unknown) => {
      if (!isParseReply(msg)) return finish(crashError(null, null, 'the parser sent a malformed reply', maxMemoryMb));
      if (msg.kind === 'ready') return start();
      if (msg.kind === 'progress') {
        if (msg.recognising !== true) return void onPage?.(msg.done, msg.total);
        // Each page read by OCR adds its own time to the budget (ocr/ocr-options.ts).
        if (msg.done > lastRecognised) parseTimer.extend(ocr.pageTimeoutMs);
        lastRecognised = Math.max(lastRecognised, msg.done);
        return void onPage?.(msg.done, msg.total, 'recognising');
      }
      if (msg.kind === 'pages') {
        if (!onPages) return finish(crashError(null, null, 'the parser sent pages it was not asked for', maxMemoryMb));
        return receive(msg.done, msg.total, () => onPages(msg.pages, msg.done, msg.total));
      }
      if (msg.kind === 'chunks') {
        if (!chunking) return finish(crashError(null, null, 'the parser sent chunks it was not asked for', maxMemoryMb));
        const progress = { done: msg.done, total: msg.total, chunkTotal: msg.chunkTotal };
        return receive(msg.done, msg.total, () => chunking.onChunks(msg.chunks, progress));
      }
      answered = true;
      parseTimer.stop();
      // The pages already sent are part of the result: resolve once the consumer has them all.
      if (msg.kind === 'parsed') return void consumed.then(() => finish(null, msg.document), () => undefined);
      const err = msg.invalidInput
        ? new InvalidInputError(msg.message, { code: msg.code })
        : new AppError(msg.message, { code: msg.code, retryable: msg.retryable });
      finish(err);
    });
    child.on('error', (err) => finish(new AppError(`could not start the parser: ${err.message}`, { code: 'parser_spawn', retryable: true, cause: err })));
    const exited = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (answered) return;
      // stderr may still hold the last words of a crash; let it drain before judging.
      const judge = (): void =>
        finish(handle.memoryExceeded ? memoryError(handle.maxTotalMemoryMb) : crashError(code, signal, handle.stderr, maxMemoryMb));
      if (child.stderr && !child.stderr.readableEnded) child.stderr.once('end', judge);
      else judge();
    };
    child.on('exit', exited);
    // A child handed over after it died (its exit already seen) gives no second `exit` event.
    if (child.exitCode !== null || child.signalCode !== null) exited(child.exitCode, child.signalCode);
    // A warmed child said `ready` before this parse began listening.
    else if (handle.ready) start();
  });
}

/** A DocumentParser for the pipeline that isolates every parse. */
export function isolatedParser(opts: IsolatedParserOptions = {}): DocumentParser {
  return (input, type, onPage, onPages, chunking) => parseIsolated(input, type, opts, onPage, onPages, chunking);
}
