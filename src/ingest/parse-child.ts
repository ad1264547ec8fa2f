/**
 * The child-process side of isolated parsing: waits for one ParseRequest on the IPC channel, parses
 * it, sends one ParseReply. Started by src/bin/parse-child.ts; importing this module starts nothing.
 * A streaming request also gets its pages sent as they are read, paced by the parent's credits
 * (parse-protocol.ts); a chunking request gets its chunks instead, made here as the pages come.
 */
import fs from 'node:fs/promises';
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { ChunkRecord } from '../ports/vector-store.ts';
import { createChunker } from './chunker.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { parseDocument, preloadParser, type PagesSink } from './parse-document.ts';
import { CHUNKS_PER_MESSAGE, isMoreCredit, isParseRequest, STREAM_WINDOW, type ChunkSpec, type ParseReply, type ParseRequest } from './parse-protocol.ts';

/** The child's PDF timeout trails the parent's, so a hang is reported the same way for every format. */
const CHILD_TIMEOUT_SLACK_MS = 5000;

/** `onPages` is given for a streaming request; a parse that ignores it simply returns every page. */
export type ChildParse = (req: ParseRequest, onPage: (done: number, total: number) => void, onPages?: PagesSink) => Promise<ParsedDocument>;

export const defaultChildParse: ChildParse = async (req, onPage, onPages) =>
  parseDocument(await requestBytes(req), req.type, {
    pdfTimeoutMs: req.timeoutMs + CHILD_TIMEOUT_SLACK_MS,
    ...(onPages ? { onPages } : { onPage }),
    ...(req.ocr ? { ocr: req.ocr } : {}),
    ...(req.ocrMaxMemoryMb === undefined ? {} : { ocrMaxMemoryMb: req.ocrMaxMemoryMb }),
    onRecognise: (page, total) => sendProgress(page, total, true),
  });

/** The request's bytes, read from the stored file when the parent sent its path. */
export async function requestBytes(req: ParseRequest): Promise<Uint8Array> {
  if (req.bytes) return req.bytes;
  try {
    return await fs.readFile(req.path!);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError('the stored file went missing while it was being read; upload it again', { code: 'file_missing', cause: err });
    }
    throw err;
  }
}

/** Page progress for the parent; a lost progress message only makes the bar less live. */
function sendProgress(done: number, total: number, recognising?: boolean): void {
  const msg: ParseReply = { kind: 'progress', done, total, ...(recognising ? { recognising } : {}) };
  process.send?.(msg, (err: Error | null) => void err);
}

function replyFor(err: unknown): ParseReply {
  return {
    kind: 'error',
    message: errorMessage(err),
    code: err instanceof AppError ? err.code : 'parser_error',
    invalidInput: err instanceof InvalidInputError,
    retryable: isRetryable(err),
  };
}

/** Sends pages or chunks to the parent, waiting for a credit whenever STREAM_WINDOW messages are unanswered. */
class PageSender {
  private credit = STREAM_WINDOW;
  private waiting: (() => void) | null = null;

  granted(): void {
    this.credit++;
    const wake = this.waiting;
    this.waiting = null;
    wake?.();
  }

  readonly send: PagesSink = (pages, done, total) => this.sendReply({ kind: 'pages', pages, done, total });

  async sendReply(msg: ParseReply): Promise<void> {
    while (this.credit <= 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    this.credit--;
    // A send that fails means the parent is gone; the parse ends with that error.
    await new Promise<void>((resolve, reject) => process.send!(msg, (err: Error | null) => (err ? reject(err) : resolve())));
  }
}

/**
 * Parses and chunks: pages streamed by the parser (PDF) are chunked batch by batch, the pages it
 * returns at the end (every other format) all at once; chunks go out CHUNKS_PER_MESSAGE at a time.
 * Every page batch sends at least one message, so the parent sees the page progress.
 */
async function parseAndChunk(parse: ChildParse, req: ParseRequest, spec: ChunkSpec, sender: PageSender): Promise<ParsedDocument> {
  const chunker = createChunker(spec.source, spec);
  let made = 0;
  const send = async (chunks: ChunkRecord[], done: number, total: number, last: boolean): Promise<void> => {
    made += chunks.length;
    const chunkTotal = last ? made : null;
    let at = 0;
    do {
      await sender.sendReply({ kind: 'chunks', chunks: chunks.slice(at, at + CHUNKS_PER_MESSAGE), done, total, chunkTotal });
      at += CHUNKS_PER_MESSAGE;
    } while (at < chunks.length);
  };
  const doc = await parse(req, sendProgress, async (pages, done, total) => send(await chunker(pages), done, total, false));
  const pageCount = doc.pageCount ?? 0;
  await send(await chunker(doc.pages), pageCount, pageCount, true);
  return { ...doc, pages: [] };
}

/** Serves one parse request on this process's IPC channel, then lets the process end. */
export function serveParseRequests(parse: ChildParse = defaultChildParse): void {
  if (!process.send) throw new Error('the parse child must be started with an IPC channel (child_process.fork)');
  let sender: PageSender | null = null;
  let requested = false;
  let answering = false;
  // The parent is gone before the answer (it crashed, or was killed): end this child and any OCR
  // program it started (it leads their process group, parse-child-process.ts), not parse on alone.
  process.on('disconnect', () => {
    if (answering) return;
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      process.exit(1);
    }
  });
  process.on('message', (msg: unknown) => {
    if (requested) {
      if (isMoreCredit(msg)) sender?.granted();
      return;
    }
    requested = true;
    if (isParseRequest(msg) && (msg.stream === true || msg.chunk)) sender = new PageSender();
    const work = !isParseRequest(msg)
      ? Promise.reject(new Error('the parse child received a malformed request'))
      : msg.chunk && sender
        ? parseAndChunk(parse, msg, msg.chunk, sender)
        : parse(msg, sendProgress, sender?.send);
    work
      .then((document): ParseReply => ({ kind: 'parsed', document }), replyFor)
      .then((reply) => {
        answering = true;
        process.send!(reply, () => process.disconnect());
      })
      .catch(() => process.exit(1));
  });
  const ready: ParseReply = { kind: 'ready' };
  // The parent names the media type on the command line. A failed preload is not fatal here: the
  // parse itself will fail with its own message.
  void preloadParser(process.argv[2])
    .catch(() => undefined)
    .then(() => process.send!(ready));
}
