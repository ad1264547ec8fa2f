/**
 * ONNX embedders in a worker thread (./embedder-thread-worker.ts), behind the same Embedder port.
 * onnxruntime-node runs each inference synchronously on the thread that calls it: on the main thread
 * of `npm start`, where the web serves requests, every passage embedded held the event loop for
 * 40-150 ms (an upload was read at about 1 MB/s while a large document embedded, /healthz took
 * 100-170 ms). In the worker the main thread only passes texts and vectors.
 *
 * One thread serves every embedder of the process (started with the first, ended with the last).
 * If it dies, what it was asked fails (retryable) and so does every later call of its embedders.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { OnnxEmbedderOptions } from './onnx-embedder.ts';

type Reply =
  | { kind: 'opened'; sid: number; modelId: string; modelName: string; dimensions: number }
  | { kind: 'open-failed'; sid: number; message: string; code: string }
  | { kind: 'vectors'; id: number; vectors: number[][] }
  | { kind: 'counted'; id: number; tokens: number }
  | { kind: 'failed'; id: number; message: string; code: string; retryable: boolean }
  | { kind: 'closed'; sid: number };

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

const WORKER_ENTRY = new URL('./embedder-thread-worker.ts', import.meta.url);
const TSX_API = import.meta.resolve('tsx/esm/api');

/** The shared thread and what is waiting on it. */
class EmbeddingThread {
  readonly worker: Worker;
  private nextId = 0;
  readonly calls = new Map<number, Waiter<number[][]>>();
  readonly counts = new Map<number, Waiter<number>>();
  readonly opens = new Map<number, Waiter<Reply & { kind: 'opened' }>>();
  readonly closes = new Map<number, () => void>();
  dead: AppError | undefined;
  sessions = 0;

  constructor(onExit: () => void) {
    // A worker thread does not get the TypeScript loader from --import (Node 20): a small boot
    // script registers tsx in the thread, then loads the worker module.
    const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); })`;
    this.worker = new Worker(boot, { eval: true, execArgv: [] });
    const fail = (e: AppError): void => {
      this.dead ??= e;
      for (const w of [...this.calls.values(), ...this.opens.values(), ...this.counts.values()]) w.reject(e);
      for (const done of this.closes.values()) done();
      this.calls.clear();
      this.counts.clear();
      this.opens.clear();
      this.closes.clear();
      onExit();
    };
    this.worker.on('error', (err) => fail(new AppError(`the embedding thread failed: ${err.message}`, { code: 'embedder_crashed', retryable: true, cause: err })));
    this.worker.on('exit', (code) => fail(new AppError(`the embedding thread exited (code ${code})`, { code: 'embedder_crashed', retryable: true })));
    this.worker.on('message', (msg: Reply) => this.receive(msg));
  }

  private receive(msg: Reply): void {
    if (msg.kind === 'opened' || msg.kind === 'open-failed') {
      const w = this.opens.get(msg.sid);
      this.opens.delete(msg.sid);
      if (msg.kind === 'opened') w?.resolve(msg);
      else w?.reject(new AppError(msg.message, { code: msg.code }));
    } else if (msg.kind === 'closed') {
      this.closes.get(msg.sid)?.();
      this.closes.delete(msg.sid);
    } else if (msg.kind === 'counted') {
      this.counts.get(msg.id)?.resolve(msg.tokens);
      this.counts.delete(msg.id);
    } else {
      if (msg.kind === 'failed') this.counts.get(msg.id)?.reject(new AppError(msg.message, { code: msg.code, retryable: msg.retryable }));
      this.counts.delete(msg.id);
      const w = this.calls.get(msg.id);
      this.calls.delete(msg.id);
      if (msg.kind === 'vectors') w?.resolve(msg.vectors);
      else w?.reject(new AppError(msg.message, { code: msg.code, retryable: msg.retryable }));
    }
  }

  newId(): number {
    return this.nextId++;
  }
}

let shared: EmbeddingThread | undefined;

/** Loads the embedder at `dir` in the process's embedding thread; rejects as createOnnxEmbedder does when it cannot. */
export async function createThreadedEmbedder(dir: string, opts: OnnxEmbedderOptions = {}): Promise<Embedder> {
  const thread = (shared ??= new EmbeddingThread(() => {
    if (shared === thread) shared = undefined;
  }));
  const sid = thread.newId();
  thread.sessions++;
  let opened: Reply & { kind: 'opened' };
  try {
    opened = await new Promise((resolve, reject) => {
      thread.opens.set(sid, { resolve, reject });
      thread.worker.postMessage({ kind: 'open', sid, dir, opts });
    });
  } catch (err) {
    release();
    throw err;
  }
  const inFlight = new Set<Promise<unknown>>();
  let closing: Promise<void> | undefined;

  function release(): void {
    if (--thread.sessions > 0) return;
    if (shared === thread) shared = undefined;
    void thread.worker.terminate();
  }

  function call(kind: 'embed' | 'query', texts: string[]): Promise<number[][]> {
    if (thread.dead) return Promise.reject(thread.dead);
    if (closing) return Promise.reject(new AppError('embedder is closed', { code: 'closed' }));
    const id = thread.newId();
    const p = new Promise<number[][]>((resolve, reject) => {
      thread.calls.set(id, { resolve, reject });
      thread.worker.postMessage({ kind, sid, id, texts });
    });
    inFlight.add(p);
    void p.catch(() => undefined).finally(() => inFlight.delete(p));
    return p;
  }

  function count(texts: string[]): Promise<number> {
    if (thread.dead) return Promise.reject(thread.dead);
    if (closing) return Promise.reject(new AppError('embedder is closed', { code: 'closed' }));
    const id = thread.newId();
    return new Promise<number>((resolve, reject) => {
      thread.counts.set(id, { resolve, reject });
      thread.worker.postMessage({ kind: 'count', sid, id, texts });
    });
  }

  return {
    modelId: opened.modelId,
    modelName: opened.modelName,
    dimensions: opened.dimensions,
    countTokens: (texts) => (texts.length === 0 ? Promise.resolve(0) : count(texts)),
    embedDocuments: (texts) => (texts.length === 0 ? Promise.resolve([]) : call('embed', texts)),
    async embedQuery(text) {
      const [v] = await call('query', [text]);
      return v ?? [];
    },
    close() {
      closing ??= (async () => {
        // Calls already sent finish first; then the session is released, and the thread with the last one.
        await Promise.allSettled([...inFlight]);
        if (!thread.dead) {
          await new Promise<void>((resolve) => {
            thread.closes.set(sid, resolve);
            thread.worker.postMessage({ kind: 'close', sid });
          });
        }
        release();
      })();
      return closing;
    },
  };
}
