/**
 * The store's own copy of every vector, row i = FAISS row i. faiss-node cannot hand vectors back
 * (no reconstruct), and deleting from a Flat index shifts ids, so removal rebuilds the index from
 * these rows. Float32 (what FAISS stores anyway) in one growable buffer: 4 bytes a value instead
 * of a JS array's 8 and no per-row objects.
 */
export class VectorRows {
  private data: Float32Array;
  private rows = 0;

  constructor(
    readonly dims: number,
    initial?: Float32Array,
  ) {
    if (initial && initial.length % dims !== 0) throw new Error(`vector data length ${initial.length} is not a multiple of ${dims}`);
    this.data = initial ?? new Float32Array(dims * 64);
    this.rows = initial ? initial.length / dims : 0;
  }

  get count(): number {
    return this.rows;
  }

  /** Appends an L2-normalised copy of `vec`. */
  push(vec: ArrayLike<number>): void {
    if (vec.length !== this.dims) throw new RangeError(`vector has ${vec.length} dimensions, the index ${this.dims}`);
    this.reserve(this.rows + 1);
    if (!normaliseInto(vec, this.data, this.rows * this.dims)) throw new RangeError('vector is zero or not finite');
    this.rows++;
  }

  /** Appends every row of `other` as it is (its rows are normalised already). */
  append(other: VectorRows): void {
    if (other.dims !== this.dims) throw new RangeError(`vectors have ${other.dims} dimensions, the index ${this.dims}`);
    this.reserve(this.rows + other.rows);
    this.data.set(other.view(), this.rows * this.dims);
    this.rows += other.rows;
  }

  /** Makes room for `rows` rows in all, so rows pushed up to that count are not copied on growth. */
  reserve(rows: number): void {
    if (rows * this.dims <= this.data.length) return;
    const grown = new Float32Array(Math.max(this.data.length * 2, rows * this.dims, this.dims * 64));
    grown.set(this.data.subarray(0, this.rows * this.dims));
    this.data = grown;
  }

  row(i: number): Float32Array {
    return this.data.subarray(i * this.dims, (i + 1) * this.dims);
  }

  /** The live rows as one view (no copy). */
  view(): Float32Array {
    return this.data.subarray(0, this.rows * this.dims);
  }

  /** A new VectorRows holding only the rows for which `keep(i)` is true, in order (copied as they are). */
  filter(keep: (i: number) => boolean): VectorRows {
    const out = new VectorRows(this.dims);
    out.reserve(this.rows);
    for (let i = 0; i < this.rows; i++) {
      if (!keep(i)) continue;
      out.data.set(this.row(i), out.rows * this.dims);
      out.rows++;
    }
    return out;
  }

  /**
   * Plain-array batches of rows for faiss-node's `add` (it accepts only Array, not Float32Array);
   * batching bounds the temporary memory when a large index is rebuilt.
   */
  *plainBatches(batchRows = 4096): Generator<number[]> {
    for (let r = 0; r < this.rows; r += batchRows) {
      const end = Math.min(this.rows, r + batchRows);
      yield Array.from(this.data.subarray(r * this.dims, end * this.dims));
    }
  }
}

/**
 * Writes `vec / |vec|` into `out` at `offset`. Returns false (writing nothing) for a zero or
 * non-finite vector, which has no direction and would score 0 or NaN against everything.
 */
export function normaliseInto(vec: ArrayLike<number>, out: Float32Array | number[], offset = 0): boolean {
  let sum = 0;
  for (let i = 0; i < vec.length; i++) {
    const v = vec[i]!;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (!Number.isFinite(norm) || norm === 0) return false;
  for (let i = 0; i < vec.length; i++) out[offset + i] = vec[i]! / norm;
  return true;
}
