/**
 * Writes a long text response (CSV, NDJSON) chunk by chunk with back-pressure: the next chunk is
 * produced only when the socket has taken the previous one, so memory holds about one page however
 * large the export. A client that goes away ends the source (its `finally` blocks run); a source
 * that fails after the first byte destroys the response, so the client sees a cut-off download
 * rather than a file that looks complete.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';

export async function streamText(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks, { objectMode: false, encoding: 'utf8' }), res);
  } catch (err) {
    // The client closing the connection is how a download is cancelled, not a failure.
    if (res.destroyed && (err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw err;
  }
}

/** Pulls the first item before anything is sent, so a source that cannot start is a normal error reply. */
export async function started<T>(source: AsyncIterable<T>): Promise<AsyncGenerator<T, void, undefined>> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  async function* rest(): AsyncGenerator<T, void, undefined> {
    try {
      for (let r = first; !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return?.();
    }
  }
  return rest();
}
