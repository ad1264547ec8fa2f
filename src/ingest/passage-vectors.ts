/**
 * A document's passage vectors as the pipeline collects them: Float32Array rows (views into one
 * buffer per batch: half a JS array's memory, no object per number), each distinct passage text
 * embedded once. A passage seen before in the document (a repeated header, footer or boilerplate
 * block) reuses its vector: repetition should not multiply the embedder's work.
 */
import type { Embedder } from '../ports/embedder.ts';

/** The batch's vectors as Float32Array rows (views into one buffer). */
function toFloat32Rows(batch: readonly number[][]): Float32Array[] {
  const dims = batch[0]?.length ?? 0;
  const data = new Float32Array(batch.length * dims);
  return batch.map((v, i) => {
    if (v.length !== dims) throw new RangeError(`embedder returned vectors of ${v.length} and ${dims} dimensions`);
    data.set(v, i * dims);
    return data.subarray(i * dims, (i + 1) * dims);
  });
}

export class PassageVectors {
  /** One row per passage embedded so far, in passage order. */
  readonly rows: Float32Array[] = [];
  private readonly byText = new Map<string, Float32Array>();

  get length(): number {
    return this.rows.length;
  }

  /** Embeds the texts not seen before with `embedder`, then appends a row for every text. */
  async add(texts: readonly string[], embedder: Embedder): Promise<void> {
    const fresh = [...new Set(texts.filter((t) => !this.byText.has(t)))];
    const batch = fresh.length === 0 ? [] : await embedder.embedDocuments(fresh);
    if (batch.length !== fresh.length) throw new Error(`embedder returned ${batch.length} vectors for ${fresh.length} texts`);
    toFloat32Rows(batch).forEach((v, i) => this.byText.set(fresh[i]!, v));
    for (const t of texts) this.rows.push(this.byText.get(t)!);
  }
}
