/**
 * TEST-ONLY parse child: behaves like the real one (src/bin/parse-child.ts) except for inputs that
 * start with a trigger word, which make the parser hang in synchronous code (HANG), die of an
 * uncaught error (CRASH), exhaust its heap (OOM) or fill memory outside the heap as fast as it can
 * (BUFFERS: zero-filled Buffers, as a native decoder would). Lets tests prove that a misbehaving
 * parser costs one job and that the worker keeps serving the next.
 */
import { defaultChildParse, requestBytes, serveParseRequests } from '../../src/ingest/parse-child.ts';

serveParseRequests(async (req, onPage) => {
  const head = Buffer.from((await requestBytes(req)).subarray(0, 8)).toString('latin1');
  if (head.startsWith('HANG')) for (;;); // an endless loop no in-process timer can interrupt
  if (head.startsWith('CRASH')) {
    setImmediate(() => {
      throw new Error('boom in the parser');
    });
    return new Promise(() => undefined);
  }
  if (head.startsWith('OOM')) {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 10_000 }, (_, i) => `leak-${i}-${hoard.length}`));
  }
  if (head.startsWith('BUFFERS')) {
    const hoard: Buffer[] = [];
    for (;;) hoard.push(Buffer.alloc(16 * 2 ** 20, 1));
  }
  return defaultChildParse(req, onPage);
});
