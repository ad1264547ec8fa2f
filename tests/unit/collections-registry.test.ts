/**
 * Collections in the documents registry: the in-place upgrade of a registry and index written by
 * the release before collections (tests/fixtures/pre-collections), a fresh install, and the name
 * rules (trimmed, 1-80 characters, unique regardless of case, markup kept as text).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createMemoryMessageBus } from '../../src/adapters/memory/message-bus.ts';
import { createCollectionService } from '../../src/documents/collection-service.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { InvalidInputError, NotFoundError } from '../../src/errors.ts';
import { CollectionStores } from '../../src/retrieval/collection-stores.ts';
import { createCollectionRetriever } from '../../src/retrieval/collection-retriever.ts';
import { openFaissStore } from '../../src/retrieval/faiss-store.ts';
import type { DocumentService } from '../../src/ports/document-service.ts';
import { createFakeEmbedder } from '../support/fake-embedder.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/pre-collections/', import.meta.url));
const silent = pino({ level: 'silent' });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function copyFixture(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-upgrade-'));
  dirs.push(dir);
  await fs.cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  return out.sort();
}

void test('an install from before collections: every document joins General, and General searches the index where it was, nothing re-embedded or moved', async () => {
  const dir = await copyFixture();
  const vsDir = path.join(dir, 'vectorstore');
  const before = await listFiles(vsDir);
  const registry = new DocumentRegistry(path.join(dir, 'documents.db'));
  try {
    assert.deepEqual(registry.collections.list().map((c) => [c.id, c.name, c.documents]), [['general', 'General', 2]]);
    for (const d of registry.list()) assert.deepEqual(registry.collections.of(d.id), ['general']);
    assert.deepEqual(registry.list().map((d) => [d.name, d.status]).sort(), [['alpaca.txt', 'ready'], ['heron.txt', 'ready']]);
  } finally {
    registry.close();
  }
  // Opening again does not migrate twice (no second General, no lost membership).
  const again = new DocumentRegistry(path.join(dir, 'documents.db'));
  assert.deepEqual(again.collections.list().map((c) => [c.id, c.documents]), [['general', 2]]);
  again.close();

  const embedder = createFakeEmbedder();
  const manifest = { embedModelId: embedder.modelId, embedModelName: embedder.modelName, dimensions: 384, chunkSize: 200, chunkOverlap: 20 };
  const stores = new CollectionStores({ root: vsDir, open: (d) => openFaissStore({ dir: d, manifest }) });
  try {
    const retriever = createCollectionRetriever(embedder, stores);
    const hits = await retriever.search('heron estuary', 1, ['general']);
    assert.deepEqual(hits.map((h) => [h.documentName, h.collectionId]), [['heron.txt', 'general']]);
    assert.equal((await retriever.search('alpaca herd', 4)).length, 4);
    // Only the query was embedded: the stored vectors were used as they are.
    assert.equal(embedder.batches.length, 0);
  } finally {
    await stores.close();
  }
  assert.deepEqual(await listFiles(vsDir), before);
});

void test('a fresh install has General alone', () => {
  const registry = new DocumentRegistry(':memory:');
  assert.deepEqual(registry.collections.list().map((c) => ({ id: c.id, name: c.name, description: c.description, documents: c.documents })), [
    { id: 'general', name: 'General', description: '', documents: 0 },
  ]);
  registry.close();
});

function service() {
  const registry = new DocumentRegistry(':memory:');
  const documents = { get: () => undefined } as unknown as DocumentService;
  return { registry, collections: createCollectionService({ registry, documents, bus: createMemoryMessageBus({ logger: silent }), logger: silent }) };
}

void test('collection names: trimmed, 1-80 characters, unique without regard to case, markup kept as text', () => {
  const { registry, collections } = service();
  try {
    const manuals = collections.create({ name: '  Manuals  ', description: 'Product manuals' });
    assert.equal(manuals.name, 'Manuals');
    assert.match(manuals.id, /^[a-z0-9]{10}$/);
    assert.equal(collections.get('manuals').id, manuals.id);
    assert.equal(collections.get(manuals.id).name, 'Manuals');

    const refused = (input: { name: unknown }, message: RegExp) => assert.throws(() => collections.create(input), (e: unknown) => e instanceof InvalidInputError && message.test(e.message));
    refused({ name: '' }, /the name is empty/);
    refused({ name: '   ' }, /the name is empty/);
    refused({ name: 42 }, /must be text/);
    refused({ name: 'x'.repeat(81) }, /too long: 81 characters, the limit is 80/);
    refused({ name: 'MANUALS' }, /already a collection named "Manuals"/);
    refused({ name: 'general' }, /already a collection named "General"/);
    refused({ name: 'two\nlines' }, /line breaks/);
    assert.equal(collections.create({ name: 'é'.repeat(80) }).name.length, 80);

    const markup = collections.create({ name: '<img src=x onerror=alert(1)> & "HR"' });
    assert.equal(collections.get(markup.id).name, '<img src=x onerror=alert(1)> & "HR"');

    // Renaming: to a taken name is refused, to another case of its own name is fine.
    assert.throws(() => collections.update(markup.id, { name: 'manuals' }), /already a collection named "Manuals"/);
    assert.equal(collections.update('Manuals', { name: 'MANUALS', description: 'All of them' }).name, 'MANUALS');
    assert.equal(collections.get('manuals').description, 'All of them');

    assert.throws(() => collections.get('Nope'), (e: unknown) => e instanceof NotFoundError && e.message.includes('"Nope"'));
    assert.throws(() => collections.resolve(['manuals', 'Missing one']), (e: unknown) => e instanceof NotFoundError && e.message.includes('"Missing one"'));
    assert.deepEqual(collections.resolve(['manuals', manuals.id]).map((c) => c.id), [manuals.id]);
  } finally {
    registry.close();
  }
});

void test('General cannot be deleted', async () => {
  const { registry, collections } = service();
  try {
    await assert.rejects(collections.delete('General'), (e: unknown) => e instanceof InvalidInputError && /General cannot be deleted/.test(e.message));
  } finally {
    registry.close();
  }
});
