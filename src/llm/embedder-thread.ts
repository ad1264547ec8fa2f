/**
 * The ONNX embedder in a worker thread (./embedder-thread-worker.ts), behind the same Embedder port.
 * onnxruntime-node runs each inference synchronously on the thread that calls it: on the main thread
 * of `npm start`, where the web serves requests, every passage embedded held the event loop for
 * 40-150 ms (an upload was read at about 1 MB/s while a large document embedded, /healthz took
 * 100-170 ms). In a worker the main thread only passes texts and vectors.
 *
 * A worker that dies fails what it was asked (retryable) and every later call; close() ends it.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { OnnxEmbedderOptions } from './onnx-embedder.ts';

type Reply =
  | { kind: 'ready'; modelId: string; modelName: string; dimensions: number }
  | { kind: 'start-failed'; message: string; code: string }
  | { kind: 'vectors'; id: number; vectors: number[][] }
  | { kind: 'failed'; id: number; message: string; code: string; retryable: boolean };

interface Pending {
  resolve: (v: number[][]) => void;
  reject: (e: Error) => void;
}

const WORKER_ENTRY = new URL('./embedder-thread-worker.ts', import.meta.url);
const TSX_API = import.meta.resolve('tsx/esm/api');

/** Loads the embedder at `dir` in a worker thread; rejects as createOnnxEmbedder does when it cannot. */
export function createThreadedEmbedder(dir: string, onnxOpts: OnnxEmbedderOptions = {}): Promise<Embedder> {
  // A worker thread does not get the TypeScript loader from --import (Node 20): a small boot script
  // registers tsx in the thread, then loads the worker module.
  const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: { dir, opts: onnxOpts }, execArgv: [] });
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let dead: AppError | undefined;
  let closing: Promise<void> | undefined;

  const failAll = (err: AppError): void => {
    dead ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  return new Promise<Embedder>((resolve, reject) => {
    worker.on('error', (err) => {
      const e = new AppError(`the embedding thread failed: ${err.message}`, { code: 'embedder_crashed', retryable: true, cause: err });
      failAll(e);
      reject(e);
    });
    worker.on('exit', (code) => {
      const e = new AppError(closing ? 'embedder is closed' : `the embedding thread exited (code ${code})`, { code: closing ? 'closed' : 'embedder_crashed', retryable: !closing });
      failAll(e);
      reject(e);
    });
    worker.on('message', (msg: Reply) => {
      if (msg.kind === 'start-failed') {
        reject(new AppError(msg.message, { code: msg.code }));
        void worker.terminate();
        return;
      }
      if (msg.kind === 'ready') {
        resolve(embedder(msg.modelId, msg.modelName, msg.dimensions));
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.kind === 'vectors') p.resolve(msg.vectors);
      else p.reject(new AppError(msg.message, { code: msg.code, retryable: msg.retryable }));
    });
  });

  function embed(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (dead) return Promise.reject(dead);
    if (closing) return Promise.reject(new AppError('embedder is closed', { code: 'closed' }));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'embed', id, texts });
    });
  }

  function embedder(modelId: string, modelName: string, dimensions: number): Embedder {
    return {
      modelId,
      modelName,
      dimensions,
      embedDocuments: embed,
      async embedQuery(text) {
        // The query prefix is the model's (docent-embedder.json); the worker's embedder adds it.
        const [v] = await embedQueryInWorker(text);
        return v ?? [];
      },
      close() {
        closing ??= (async () => {
          // Calls already sent finish first: the worker answers in order, then releases the session.
          const settled = [...pending.values()].map((p) => new Promise<void>((r) => {
            const { resolve, reject } = p;
            p.resolve = (v) => (resolve(v), r());
            p.reject = (e) => (reject(e), r());
          }));
          await Promise.all(settled);
          const exited = new Promise<void>((r) => worker.once('exit', () => r()));
          worker.postMessage({ kind: 'close' });
          const timer = setTimeout(() => void worker.terminate(), 10_000);
          await exited;
          clearTimeout(timer);
        })();
        return closing;
      },
    };
  }

  function embedQueryInWorker(text: string): Promise<number[][]> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'query', id, texts: [text] });
    });
  }
}
