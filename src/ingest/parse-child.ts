/**
 * The child-process side of isolated parsing: waits for one ParseRequest on the IPC channel, parses
 * it, sends one ParseReply. Started by src/bin/parse-child.ts; importing this module starts nothing.
 */
import { AppError, errorMessage, InvalidInputError, isRetryable } from '../errors.ts';
import type { ParsedDocument } from './parsed-document.ts';
import { parseDocument } from './parse-document.ts';
import { isParseRequest, type ParseReply, type ParseRequest } from './parse-protocol.ts';

/** The child's PDF timeout trails the parent's, so a hang is reported the same way for every format. */
const CHILD_TIMEOUT_SLACK_MS = 5000;

export type ChildParse = (req: ParseRequest, onPage: (done: number, total: number) => void) => Promise<ParsedDocument>;

export const defaultChildParse: ChildParse = (req, onPage) =>
  parseDocument(req.bytes, req.type, { pdfTimeoutMs: req.timeoutMs + CHILD_TIMEOUT_SLACK_MS, onPage });

/** Page progress for the parent; a lost progress message only makes the bar less live. */
function sendProgress(done: number, total: number): void {
  const msg: ParseReply = { kind: 'progress', done, total };
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

/** Serves one parse request on this process's IPC channel, then lets the process end. */
export function serveParseRequests(parse: ChildParse = defaultChildParse): void {
  if (!process.send) throw new Error('the parse child must be started with an IPC channel (child_process.fork)');
  process.once('message', (msg: unknown) => {
    const work = isParseRequest(msg) ? parse(msg, sendProgress) : Promise.reject(new Error('the parse child received a malformed request'));
    work
      .then((document): ParseReply => ({ kind: 'parsed', document }), replyFor)
      .then((reply) => process.send!(reply, () => process.disconnect()))
      .catch(() => process.exit(1));
  });
  const ready: ParseReply = { kind: 'ready' };
  process.send(ready);
}
