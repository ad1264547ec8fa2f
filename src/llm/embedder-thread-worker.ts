/**
 * The worker side of ./embedder-thread.ts: the process's ONNX embedding sessions, in one thread.
 * onnxruntime-node runs an inference synchronously on the calling thread (40-150 ms per passage on
 * two cores), so on the main thread every passage embedded would hold the web's event loop. One
 * thread hosts every session of the process (each thread costs some 50 MB of its own); their
 * inferences take turns, as they did on the main thread.
 *
 * Messages: {kind:'open', sid, dir, opts} | {kind:'embed' | 'query', sid, id, texts} (a query is
 * one text, embedded with the model's query prefix) | {kind:'count', sid, id, texts} (tokens the
 * model reads for them) | {kind:'close', sid}.
 * Replies: {kind:'opened', sid, modelId, modelName, dimensions} | {kind:'open-failed', sid,
 * message, code} | {kind:'vectors', id, vectors} | {kind:'counted', id, tokens} | {kind:'failed', id, message, code, retryable} |
 * {kind:'closed', sid}.
 */
import { parentPort } from 'node:worker_threads';
import { AppError } from '../errors.ts';
import type { Embedder } from '../ports/embedder.ts';
import { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx-embedder.ts';

type Request =
  | { kind: 'open'; sid: number; dir: string; opts: OnnxEmbedderOptions }
  | { kind: 'embed' | 'query' | 'count'; sid: number; id: number; texts: string[] }
  | { kind: 'close'; sid: number };

const port = parentPort;
if (!port) throw new Error('embedder-thread-worker.ts runs as a worker thread');
const sessions = new Map<number, Embedder>();

function failure(err: unknown): { message: string; code: string; retryable: boolean } {
  const e = err instanceof AppError ? err : undefined;
  return { message: err instanceof Error ? err.message : String(err), code: e?.code ?? 'embed_failed', retryable: e?.retryable ?? false };
}

port.on('message', (msg: Request) => {
  if (msg.kind === 'open') {
    createOnnxEmbedder(msg.dir, msg.opts).then(
      (e) => {
        sessions.set(msg.sid, e);
        port.postMessage({ kind: 'opened', sid: msg.sid, modelId: e.modelId, modelName: e.modelName, dimensions: e.dimensions });
      },
      (err: unknown) => port.postMessage({ kind: 'open-failed', sid: msg.sid, ...failure(err) }),
    );
    return;
  }
  const session = sessions.get(msg.sid);
  if (msg.kind === 'close') {
    sessions.delete(msg.sid);
    void (session?.close() ?? Promise.resolve()).finally(() => port.postMessage({ kind: 'closed', sid: msg.sid }));
    return;
  }
  if (!session) {
    port.postMessage({ kind: 'failed', id: msg.id, message: 'embedder is closed', code: 'closed', retryable: false });
    return;
  }
  if (msg.kind === 'count') {
    (session.countTokens?.(msg.texts) ?? Promise.resolve(0)).then(
      (tokens) => port.postMessage({ kind: 'counted', id: msg.id, tokens }),
      (err: unknown) => port.postMessage({ kind: 'failed', id: msg.id, ...failure(err) }),
    );
    return;
  }
  const work = msg.kind === 'query' ? session.embedQuery(msg.texts[0] ?? '').then((v) => [v]) : session.embedDocuments(msg.texts);
  work.then(
    (vectors) => port.postMessage({ kind: 'vectors', id: msg.id, vectors }),
    (err: unknown) => port.postMessage({ kind: 'failed', id: msg.id, ...failure(err) }),
  );
});
