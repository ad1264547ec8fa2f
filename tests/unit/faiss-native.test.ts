// Checks that faiss-node's native addon, built by scripts/build-faiss.mjs against the system
// libfaiss, works, and pins down the quirks the vector store must live with (measured on faiss-node
// 0.5.1 + Debian faiss 1.7.3):
// - `add` and `search` take plain number arrays; a Float32Array is rejected.
// - `search` throws when k > ntotal (including on an empty index), so callers clamp k.
// - labels are FAISS row numbers in insertion order, so the store owns row -> chunk mapping.
// Not exercised here because they abort the process instead of throwing: `removeIds` on HNSW and
// `IDMap` add (see DESIGN.md section 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type * as FaissNode from 'faiss-node';

function loadFaiss(): typeof FaissNode {
  const require = createRequire(import.meta.url);
  try {
    return require('faiss-node') as typeof FaissNode;
  } catch (error) {
    throw new Error(
      `faiss-node's native addon does not load; build it with \`node scripts/build-faiss.mjs\` ` +
        `(needs apt packages libfaiss-dev libopenblas-dev libomp-dev cmake g++ make): ${String(error)}`,
    );
  }
}

const { IndexFlatIP } = loadFaiss();

void test('IndexFlatIP adds vectors and returns them ranked by inner product', () => {
  const index = new IndexFlatIP(3);
  index.add([1, 0, 0, 0, 1, 0, 0.6, 0.8, 0]);
  assert.equal(index.ntotal(), 3);
  assert.equal(index.getDimension(), 3);

  const { labels, distances } = index.search([0, 1, 0], 3);
  assert.deepEqual(labels, [1, 2, 0]);
  assert.equal(distances.length, 3);
  assert.ok(Math.abs((distances[0] ?? NaN) - 1) < 1e-6);
  assert.ok(Math.abs((distances[1] ?? NaN) - 0.8) < 1e-6);
  assert.ok(Math.abs(distances[2] ?? NaN) < 1e-6);
});

void test('search answers several queries at once, k results per query', () => {
  const index = new IndexFlatIP(2);
  index.add([1, 0, 0, 1]);
  const { labels } = index.search([1, 0, 0, 1], 1);
  assert.deepEqual(labels, [0, 1]);
});

void test('quirk: search throws when k is greater than ntotal', () => {
  const index = new IndexFlatIP(2);
  assert.throws(() => index.search([1, 0], 1), /greater than `ntotal`: 0/);
  index.add([1, 0]);
  assert.throws(() => index.search([1, 0], 2), /greater than `ntotal`: 1/);
  assert.deepEqual(index.search([1, 0], 1).labels, [0]);
});

void test('quirk: add takes plain arrays and rejects a Float32Array', () => {
  const index = new IndexFlatIP(2);
  const vector = new Float32Array([0.5, 0.5]);
  assert.throws(() => index.add(vector as unknown as number[]), /must be an Array/);
  index.add(Array.from(vector));
  assert.equal(index.ntotal(), 1);
});

void test('add rejects a length that is not a multiple of the dimension', () => {
  const index = new IndexFlatIP(3);
  assert.throws(() => index.add([1, 2]), /array length/);
  assert.equal(index.ntotal(), 0);
});
