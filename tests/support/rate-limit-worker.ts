/**
 * A worker thread for the rate-limit store's concurrency test: opens its own store on the shared
 * file (as another web process would), waits for the start signal, then tries `tries` takes under
 * one key and posts how many were allowed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.ts';

const { file, tries, limit, start } = workerData as { file: string; tries: number; limit: number; start: SharedArrayBuffer };
const store = new RateLimitStore(file);
const flag = new Int32Array(start);
Atomics.wait(flag, 0, 0);
let allowed = 0;
for (let i = 0; i < tries; i++) if (store.take([{ key: 'ask-user\u0000race', limit, windowMs: 60_000 }], Date.now()).ok) allowed++;
store.close();
parentPort?.postMessage(allowed);
