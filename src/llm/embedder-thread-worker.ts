/**
 * The worker side of ./embedder-thread.ts: holds the ONNX embedding session in its own thread.
 * onnxruntime-node runs an inference synchronously on the calling thread (40-150 ms per passage on
 * two cores), so on the main thread every passage embedded would hold the web's event loop.
 *
 * Messages (from the main thread): {kind:'embed' | 'query', id, texts} | {kind:'close'} (a query
 * is one text, embedded with the model's query prefix).
 * Replies: {kind:'ready', modelId, modelName, dimensions} once, then {kind:'vectors', id, vectors}
 * or {kind:'failed', id, message, code, retryable}; {kind:'start-failed', message} if loading fails.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx-embedder.ts';

interface Init {
  dir: string;
  opts: OnnxEmbedderOptions;
}

type Request = { kind: 'embed' | 'query'; id: number; texts: string[] } | { kind: 'close' };

const port = parentPort;
if (!port) throw new Error('embedder-thread-worker.ts runs as a worker thread');
const { dir, opts } = workerData as Init;

createOnnxEmbedder(dir, opts).then(
  (embedder) => {
    port.postMessage({ kind: 'ready', modelId: embedder.modelId, modelName: embedder.modelName, dimensions: embedder.dimensions });
    port.on('message', (msg: Request) => {
      if (msg.kind === 'close') {
        void embedder.close().finally(() => port.close());
        return;
      }
      const work = msg.kind === 'query' ? embedder.embedQuery(msg.texts[0] ?? '').then((v) => [v]) : embedder.embedDocuments(msg.texts);
      work.then(
        (vectors) => port.postMessage({ kind: 'vectors', id: msg.id, vectors }),
        (err: unknown) => {
          const e = err instanceof AppError ? err : undefined;
          port.postMessage({ kind: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err), code: e?.code ?? 'embed_failed', retryable: e?.retryable ?? false });
        },
      );
    });
  },
  (err: unknown) => {
    port.postMessage({ kind: 'start-failed', message: err instanceof Error ? err.message : String(err), code: err instanceof AppError ? err.code : 'model_invalid' });
    port.close();
  },
);
