/** The ONNX embedder on the real bge-small-en-v1.5 test model (`npm run models:test`). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createThreadedEmbedder } from '../../src/llm/embedder-thread.ts';
import { createOnnxEmbedder } from '../../src/llm/onnx-embedder.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import { testModels } from '../support/test-models.ts';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

void describe('onnx embedder (bge-small-en-v1.5 test model)', () => {
  let embedder: Embedder;
  before(async () => {
    embedder = await createOnnxEmbedder(testModels().embed, { threads: 1 });
  });
  after(async () => {
    await embedder?.close();
  });

  void it('reports 384 dimensions and returns unit vectors of that size', async () => {
    assert.equal(embedder.dimensions, 384);
    const [v] = await embedder.embedDocuments(['The cat sat on the mat.']);
    assert.ok(v);
    assert.equal(v.length, 384);
    assert.ok(Math.abs(norm(v) - 1) < 1e-4, `norm ${norm(v)}`);
    const q = await embedder.embedQuery('where did the cat sit?');
    assert.equal(q.length, 384);
    assert.ok(Math.abs(norm(q) - 1) < 1e-4);
  });

  void it('scores a relevant passage above an unrelated one', async () => {
    const q = await embedder.embedQuery('How do I reset my router password?');
    const [relevant, unrelated] = await embedder.embedDocuments([
      'To reset the router password, hold the reset button for ten seconds and log in with the default admin password.',
      'The recipe calls for two cups of flour, one egg and a pinch of salt, baked for twenty minutes.',
    ]);
    assert.ok(relevant && unrelated);
    const rel = dot(q, relevant);
    const unrel = dot(q, unrelated);
    assert.ok(rel > unrel + 0.1, `relevant ${rel.toFixed(3)} should beat unrelated ${unrel.toFixed(3)}`);
  });

  const texts = [
    'short',
    'A much longer sentence about vector databases, approximate nearest neighbour search and embeddings.',
    'medium length text about cats',
    'Another one.',
    'Fifth text, to spill into a second batch of four.',
  ];

  void it('embeds a list exactly as one by one, in call order', async () => {
    const batch = await embedder.embedDocuments(texts);
    assert.equal(batch.length, texts.length);
    for (const [i, t] of texts.entries()) {
      const [single] = await embedder.embedDocuments([t]);
      assert.ok(single);
      assert.ok(dot(single, batch[i] ?? []) > 0.99999, `text ${i} differs between list and single`);
    }
  });

  void it('keeps call order and close results with padded batches of 4', async () => {
    const batched = await createOnnxEmbedder(testModels().embed, { threads: 1, batchSize: 4 });
    const batch = await batched.embedDocuments(texts).finally(() => batched.close());
    assert.equal(batch.length, texts.length);
    const singles = await Promise.all(texts.map(async (t) => (await embedder.embedDocuments([t]))[0] ?? []));
    for (const [i, v] of batch.entries()) {
      const cos = singles.map((s) => dot(s, v));
      // The int8 model quantises activations per batch, so a little drift is expected (0.994 seen).
      assert.ok((cos[i] ?? 0) > 0.98, `text ${i}: cosine ${cos[i]} between batched and single`);
      assert.equal(cos.indexOf(Math.max(...cos)), i, `batched vector ${i} is closest to its own text`);
    }
  });

  void it('gives the same vectors with sleeping threads (the query-serving processes)', async () => {
    const sleeping = await createOnnxEmbedder(testModels().embed, { threads: 2, spinWait: false });
    try {
      const text = 'The ferry to the outer islands leaves from the south pier.';
      const [a, b] = [await embedder.embedQuery(text), await sleeping.embedQuery(text)];
      assert.equal(a.length, b.length);
      const cos = a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
      assert.ok(cos > 0.9999, `cosine ${cos}`);
    } finally {
      await sleeping.close();
    }
  });

  void it('truncates inputs longer than the model limit instead of failing', async () => {
    const [v] = await embedder.embedDocuments(['word '.repeat(3000)]);
    assert.equal(v?.length, 384);
  });

  void it('has a stable model id from the model file hash', async () => {
    assert.match(embedder.modelId, /^[0-9a-f]{16}$/);
    const again = await createOnnxEmbedder(testModels().embed, { threads: 1 });
    try {
      assert.equal(again.modelId, embedder.modelId);
    } finally {
      await again.close();
    }
  });

  void it('fails with a message naming models:pull when the directory is empty', async () => {
    await assert.rejects(createOnnxEmbedder('/nonexistent/embedder'), /npm run models:pull/);
  });
});

void describe('the embedder in a worker thread (what every role uses)', () => {
  const texts = Array.from({ length: 24 }, (_, i) => `Passage ${i}: the harbour ferry leaves at nine from pier four, `.repeat(16).slice(0, 1000));

  /** Vectors of `texts` and the longest the event loop was held meanwhile (ms). */
  async function run(e: Embedder): Promise<{ vectors: number[][]; query: number[]; loopMaxMs: number }> {
    const h = monitorEventLoopDelay({ resolution: 2 });
    h.enable();
    const vectors = await e.embedDocuments(texts);
    const query = await e.embedQuery('When does the ferry leave?');
    h.disable();
    return { vectors, query, loopMaxMs: h.max / 1e6 };
  }

  void it('gives the same vectors as the embedder on the main thread, and leaves the event loop free', async () => {
    const direct = await createOnnxEmbedder(testModels().embed, { threads: 1 });
    const threaded = await createThreadedEmbedder(testModels().embed, { threads: 1 });
    try {
      assert.equal(threaded.modelId, direct.modelId);
      assert.equal(threaded.dimensions, direct.dimensions);
      const a = await run(direct);
      const b = await run(threaded);
      assert.deepEqual(b.vectors, a.vectors);
      assert.deepEqual(b.query, a.query);
      // On the main thread each passage holds the loop for the whole inference; in the thread only
      // message passing runs there. Compared within this run, as the machine's speed varies.
      assert.ok(b.loopMaxMs * 3 < a.loopMaxMs, `loop held ${b.loopMaxMs.toFixed(1)} ms with the thread against ${a.loopMaxMs.toFixed(1)} ms without`);
    } finally {
      await direct.close();
      await threaded.close();
    }
    await assert.rejects(threaded.embedDocuments(['after close']), /closed/);
  });

  void it('a model directory that cannot be loaded fails the start with the loader\'s message', async () => {
    await assert.rejects(createThreadedEmbedder('/nonexistent/embedder'), (err: unknown) => err instanceof Error && /nonexistent/.test(err.message));
  });
});
