/**
 * Cooperative slicing of CPU work on a shared event loop. In `npm start` the web, the ingest worker
 * and the answer worker share one loop, so a long synchronous step of one (hashing an upload,
 * adding 20 000 vectors to FAISS) stalls every HTTP request. Such steps work in bounded slices and
 * `await yieldToEventLoop()` between them: setImmediate runs after pending I/O callbacks, so a
 * request that arrived meanwhile is served before the next slice.
 */
import { setImmediate as immediate } from 'node:timers/promises';

export function yieldToEventLoop(): Promise<void> {
  return immediate();
}
