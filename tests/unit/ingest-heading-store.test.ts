/** Heading paths are stored with chunks in the FAISS docstore; versions written before them still load. */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readCurrent } from '../../src/retrieval/faiss-files.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

void test('headingPath survives save and reload; an old version without it loads with null', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-heading-'));
  dirs.push(dir);
  const embedder = createFakeEmbedder();
  const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: embedder.dimensions, chunkSize: 200, chunkOverlap: 20 };
  const texts = ['install on linux with apt', 'install on windows with the installer'];
  const chunks = texts.map((text, i) => ({ chunkId: `d:${i}`, documentId: 'd', documentName: 'guide.md', page: null, text, start: 0, end: text.length, headingPath: i === 0 ? 'Install > Linux' : null }));
  const store = await openFaissStore({ dir, manifest });
  await store.addDocument(chunks, await embedder.embedDocuments(texts));
  await store.save();
  await store.close();

  const reopened = await openFaissStore({ dir, manifest });
  const hits = await reopened.search(await embedder.embedQuery('linux apt'), 2);
  assert.equal(hits.find((h) => h.chunkId === 'd:0')?.headingPath, 'Install > Linux');
  assert.equal(hits.find((h) => h.chunkId === 'd:1')?.headingPath, null);
  await reopened.close();

  // Rewrite the version's docstore the way it looked before heading paths existed.
  const version = (await readCurrent(dir))!;
  const file = path.join(dir, version, 'chunks.jsonl');
  const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
  await fs.writeFile(file, lines.map((l) => { const { headingPath: _drop, ...old } = JSON.parse(l) as Record<string, unknown>; return JSON.stringify(old); }).join('\n') + '\n');
  const old = await openFaissStore({ dir, manifest });
  const oldHits = await old.search(await embedder.embedQuery('linux apt'), 2);
  assert.equal(oldHits.length, 2);
  // The field is optional: absent in old versions, which readers treat as "no heading".
  for (const h of oldHits) assert.equal(h.headingPath ?? null, null);
  assert.ok(oldHits.every((h) => !('headingPath' in h)), 'the old docstore was really read without the field');
  await old.close();
});
