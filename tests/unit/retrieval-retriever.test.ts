/** The retriever: embeds the query, clamps k, and skips the model when there is nothing to search. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { VectorStore } from '../../src/ports/vector-store.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createRetriever } from '../../src/retrieval/retriever.ts';
import { createFakeEmbedder, hashEmbed } from '../support/fake-embedder.ts';

let dir = '';
let store: VectorStore | undefined;
after(async () => {
  await store?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

void test('search embeds the query and returns the best chunks, k clamped; an empty store returns [] without embedding', async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-retriever-'));
  const embedder = createFakeEmbedder();
  store = await openFaissStore({ dir, manifest: { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: 384, chunkSize: 1000, chunkOverlap: 150 } });
  const retriever = createRetriever(embedder, store);

  assert.deepEqual(await retriever.search('anything at all', 4), []);
  assert.equal(embedder.seen.length, 0, 'no embedding for an empty store');

  const id = 'e'.repeat(64);
  const texts = ['the north pier is for small boats', 'the south pier is for ferries', 'the office is by the lighthouse'];
  await store.addDocument(
    texts.map((text, i) => ({ chunkId: `${id}:${i}`, documentId: id, documentName: 'pier.txt', page: null, text, start: 0, end: text.length })),
    texts.map((t) => hashEmbed(t)),
  );
  const hits = await retriever.search('where do ferries dock', 10);
  assert.equal(hits.length, 3, 'k clamped to the store size');
  assert.equal(hits[0]!.text, 'the south pier is for ferries');
  assert.deepEqual(embedder.seen, ['where do ferries dock']);
  assert.deepEqual(await retriever.search('   ', 3), [], 'a blank query finds nothing');
});
