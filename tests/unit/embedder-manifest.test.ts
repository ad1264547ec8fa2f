/** docent-embedder.json: the document prefix (e5's "passage: ") and what a folder's name implies without one. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { BGE_QUERY_PREFIX, readEmbedderDir } from '../../src/llm/embedder-manifest.ts';

function folder(name: string, manifest?: object): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'docent-manifest-')), name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'model.onnx'), '');
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
  if (manifest) fs.writeFileSync(path.join(dir, 'docent-embedder.json'), JSON.stringify(manifest));
  return dir;
}

void test('documentPrefix is read from docent-embedder.json and defaults to none', () => {
  const e5 = readEmbedderDir(folder('m', { name: 'm', pooling: 'mean', queryPrefix: 'query: ', documentPrefix: 'passage: ' }));
  assert.equal(e5.manifest.documentPrefix, 'passage: ');
  const bge = readEmbedderDir(folder('b', { name: 'b', pooling: 'cls', queryPrefix: BGE_QUERY_PREFIX }));
  assert.equal(bge.manifest.documentPrefix, '');
});

void test('without docent-embedder.json an e5 folder gets mean pooling and the query/passage prefixes', () => {
  for (const name of ['multilingual-e5-small', 'e5-small-v2', 'my_e5']) {
    const m = readEmbedderDir(folder(name)).manifest;
    assert.deepEqual([m.pooling, m.queryPrefix, m.documentPrefix], ['mean', 'query: ', 'passage: '], name);
  }
  const bge = readEmbedderDir(folder('bge-small-en-v1.5')).manifest;
  assert.deepEqual([bge.pooling, bge.queryPrefix, bge.documentPrefix], ['cls', BGE_QUERY_PREFIX, '']);
  const other = readEmbedderDir(folder('all-minilm-l6-v2-e50')).manifest;
  assert.deepEqual([other.queryPrefix, other.documentPrefix], ['', ''], 'e5 only as a word of its own');
});
