/**
 * Turns a transformer's token vectors into one sentence vector: CLS pooling (bge) or
 * attention-mask-aware mean pooling (MiniLM / sentence-transformers), then L2 normalisation so
 * inner product equals cosine similarity (the Embedder port promises normalised vectors).
 */

export type Pooling = 'cls' | 'mean';

/**
 * Pools a row-major [batch, seqLen, hidden] tensor. `mask` is the [batch, seqLen] attention mask;
 * padded positions (mask 0) never contribute, so a text embeds the same alone or in a padded batch.
 */
export function poolHiddenStates(
  hidden: Float32Array,
  mask: ArrayLike<number | bigint>,
  shape: { batch: number; seqLen: number; hidden: number },
  pooling: Pooling,
): number[][] {
  const { batch, seqLen, hidden: h } = shape;
  if (hidden.length !== batch * seqLen * h) {
    throw new RangeError(`hidden state has ${hidden.length} values, expected ${batch}x${seqLen}x${h}`);
  }
  const out: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const base = b * seqLen * h;
    const v = new Array<number>(h).fill(0);
    if (pooling === 'cls') {
      for (let j = 0; j < h; j++) v[j] = hidden[base + j] ?? 0;
    } else {
      let count = 0;
      for (let t = 0; t < seqLen; t++) {
        if (Number(mask[b * seqLen + t] ?? 0) === 0) continue;
        count++;
        const off = base + t * h;
        for (let j = 0; j < h; j++) v[j] = (v[j] ?? 0) + (hidden[off + j] ?? 0);
      }
      const n = Math.max(count, 1);
      for (let j = 0; j < h; j++) v[j] = (v[j] ?? 0) / n;
    }
    out.push(l2Normalise(v));
  }
  return out;
}

/** Scales a vector to unit length; a zero vector stays zero rather than becoming NaN. */
export function l2Normalise(v: number[]): number[] {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm === 0 ? v : v.map((x) => x / norm);
}
