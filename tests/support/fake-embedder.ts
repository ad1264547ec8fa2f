/**
 * UNIT-TEST STAND-IN for the embedding model, not a model: a deterministic bag-of-words hash.
 * Each lower-cased word is hashed (FNV-1a) to one of `dimensions` slots with a hashed sign, counts
 * are summed and the vector is L2-normalised. Texts sharing words score higher than texts that do
 * not, which is enough to test ranking, storage and plumbing without a model. It knows nothing of
 * meaning (synonyms score 0); the model tier (tests/model) uses the real ONNX embedder.
 */
import type { Embedder } from '../../src/ports/embedder.ts';

function fnv1a(word: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The hashed bag-of-words vector of `text`; all zeros when it has no words. */
export function hashEmbed(text: string, dimensions = 384): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = fnv1a(word);
    v[h % dimensions]! += h & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...v);
  return norm === 0 ? v : v.map((x) => x / norm);
}

export interface FakeEmbedder extends Embedder {
  /** Texts embedded so far, in order (documents and queries). */
  readonly seen: string[];
  /** embedDocuments calls so far, with their batch sizes. */
  readonly batches: number[];
}

export function createFakeEmbedder(opts: { dimensions?: number; modelId?: string; modelName?: string } = {}): FakeEmbedder {
  const dimensions = opts.dimensions ?? 384;
  const seen: string[] = [];
  const batches: number[] = [];
  return {
    modelId: opts.modelId ?? 'fake-hash-0000001',
    modelName: opts.modelName ?? 'fake bag-of-words hash (unit tests)',
    dimensions,
    seen,
    batches,
    embedDocuments(texts) {
      batches.push(texts.length);
      seen.push(...texts);
      return Promise.resolve(texts.map((t) => hashEmbed(t, dimensions)));
    },
    embedQuery(text) {
      seen.push(text);
      return Promise.resolve(hashEmbed(text, dimensions));
    },
    close: () => Promise.resolve(),
  };
}

/** A gate the embedder waits on while closed: holds an ingest in the `embedding` stage. */
export function gatedEmbedder<E extends Embedder>(inner: E): E & { hold(): void; open(): void } {
  let release: (() => void) | undefined;
  let gate: Promise<void> = Promise.resolve();
  return {
    // The stand-in's own fields (what it saw, its batches) stay readable through the gate.
    ...inner,
    modelId: inner.modelId,
    modelName: inner.modelName,
    dimensions: inner.dimensions,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    open() {
      release?.();
    },
    async embedDocuments(texts: string[]) {
      await gate;
      return inner.embedDocuments(texts);
    },
    embedQuery: (text: string) => inner.embedQuery(text),
    close: () => inner.close(),
  };
}
