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

  /**
   * Makes room for `rows` rows in all, so rows pushed up to that count are not copied on growth.
   * Grows by half at least (amortised appends), not by doubling: a store of 100 000 rows (150 MB)
   * that gets one more document should not reserve another 150 MB.
   */
  reserve(rows: number): void {
    if (rows * this.dims <= this.data.length) return;
    const grown = new Float32Array(Math.max(Math.ceil((this.data.length * 1.5) / this.dims) * this.dims, rows * this.dims, this.dims * 64));
    grown.set(this.data.subarray(0, this.rows * this.dims));
    this.data = grown;
  }

  /** Drops the rows from `rows` on (an add that failed part-way). */
  truncate(rows: number): void {
    if (rows < 0 || rows > this.rows) throw new RangeError(`cannot truncate ${this.rows} rows to ${rows}`);
    this.rows = rows;
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
  *plainBatches(batchRows = 4096, fromRow = 0): Generator<number[]> {
    for (let r = fromRow; r < this.rows; r += batchRows) {
      const end = Math.min(this.rows, r + batchRows);
      yield Array.from(this.data.subarray(r * this.dims, end * this.dims));
    }
  }
}

/** Throws the RangeError `push` would for `vec`, without copying it. */
export function assertUsable(vec: ArrayLike<number>, dims: number): void {
  if (vec.length !== dims) throw new RangeError(`vector has ${vec.length} dimensions, the index ${dims}`);
  let sum = 0;
  for (let i = 0; i < vec.length; i++) sum += vec[i]! * vec[i]!;
  if (!Number.isFinite(sum) || sum === 0) throw new RangeError('vector is zero or not finite');
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
