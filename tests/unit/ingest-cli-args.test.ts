/**
 * `npm run ingest` arguments (--collection NAME, --reindex, files) and uploading into (or re-indexing)
 * a collection through the CLI's service client, against the web app with fake services: the
 * collection is named on each upload, and an unknown one stops the run before any file is sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseIngestArgs } from '../../src/cli/ingest-args.ts';
import { ingestFiles, reindex } from '../../src/cli/ingest-files.ts';
import { ServiceClient } from '../../src/cli/service-client.ts';
import { fakeDocument, startTestServer, type TestServer } from '../support/fake-services.ts';

void describe('parseIngestArgs', () => {
  void test('files, --collection NAME and --collection=NAME', () => {
    assert.deepEqual(parseIngestArgs(['a.txt', 'docs/']), { kind: 'ingest', inputs: ['a.txt', 'docs/'], collection: undefined });
    assert.deepEqual(parseIngestArgs(['--collection', 'HR handbook', 'a.txt']), { kind: 'ingest', inputs: ['a.txt'], collection: 'HR handbook' });
    assert.deepEqual(parseIngestArgs(['a.txt', '--collection=manuals']), { kind: 'ingest', inputs: ['a.txt'], collection: 'manuals' });
    assert.deepEqual(parseIngestArgs(['--reindex']), { kind: 'reindex' });
  });

  void test('--reindex --collection NAME re-indexes that collection alone, in either order and either spelling', () => {
    assert.deepEqual(parseIngestArgs(['--reindex', '--collection', 'HR handbook']), { kind: 'reindex', collection: 'HR handbook' });
    assert.deepEqual(parseIngestArgs(['--collection=manuals', '--reindex']), { kind: 'reindex', collection: 'manuals' });
  });

  void test('bad usage says what to write instead', () => {
    assert.throws(() => parseIngestArgs(['--collection']), /--collection needs the id or name of a collection/);
    assert.throws(() => parseIngestArgs(['--collection', '--reindex']), /--collection needs the id or name/);
    assert.throws(() => parseIngestArgs(['--collection=', 'a.txt']), /--collection needs/);
    assert.throws(() => parseIngestArgs(['--collection', 'a', '--collection', 'b']), /given twice/);
    assert.throws(() => parseIngestArgs(['--colection', 'a']), /unknown option --colection\. usage: npm run ingest/);
    assert.throws(() => parseIngestArgs(['--reindex', '--collection']), /--collection needs the id or name/);
    assert.throws(() => parseIngestArgs(['--reindex', '--collection', 'a', 'b.txt']), /--reindex takes no files/);
    assert.throws(() => parseIngestArgs(['--reindex', 'a.txt']), /--reindex takes no files/);
  });
});

void describe('ingest into a collection', () => {
  let srv: TestServer;
  let file: string;
  before(async () => {
    srv = await startTestServer();
    file = path.join(srv.dataDir, 'note.txt');
    await fs.writeFile(file, 'The lighthouse keeper feeds the cat at 6 pm.');
    // The fake service never ingests: a new document is ready at once, so the CLI's follow ends.
    srv.services.documents.onChange((doc) => {
      if (doc.status === 'queued') Object.assign(srv.services.docs.find((d) => d.id === doc.id) ?? {}, { status: 'ready', stage: 'indexed', progress: 1, chunks: 1 });
    });
  });
  after(async () => {
    await srv.close();
  });

  void test('--collection (a name, any case) uploads every file into that collection', async () => {
    const c = srv.services.collections.create({ name: 'Lighthouses' });
    srv.services.uploadCollections.length = 0;
    const out = { write: () => true } as unknown as NodeJS.WritableStream;
    const summary = await ingestFiles(new ServiceClient(srv.url), [file], { progress: false, out, pollMs: 10, collection: 'lighthouses' });
    assert.deepEqual(summary, { ingested: [file], duplicates: [], failed: [] });
    assert.deepEqual(srv.services.uploadCollections, [c.id]);
    await new ServiceClient(srv.url).upload(file);
    assert.deepEqual(srv.services.uploadCollections, [c.id, undefined], 'no collection named: the service picks General');
  });

  void test('--reindex --collection asks the service to re-index that collection alone and follows its documents', async () => {
    const c = srv.services.collections.create({ name: 'Beacons' });
    srv.services.docs.push(fakeDocument({ id: 'beacon-doc', name: 'beacon.txt', status: 'ready', collections: [c.id] }));
    srv.services.reindexed.length = 0;
    const out = { write: () => true } as unknown as NodeJS.WritableStream;
    const summary = await reindex(new ServiceClient(srv.url), { progress: false, out, pollMs: 10, collection: 'beacons' });
    assert.deepEqual(summary, { ingested: ['beacon.txt'], duplicates: [], failed: [] });
    assert.deepEqual(srv.services.reindexed, [c.id]);
    await reindex(new ServiceClient(srv.url), { progress: false, out, pollMs: 10 });
    assert.deepEqual(srv.services.reindexed, [c.id, undefined], 'no collection named: every collection');
    await assert.rejects(reindex(new ServiceClient(srv.url), { progress: false, out, collection: 'Nowhere' }), /404: No collection "Nowhere"/);
    assert.deepEqual(srv.services.reindexed, [c.id, undefined]);
  });

  void test('an unknown collection stops the run before any upload, naming it', async () => {
    srv.services.uploadCollections.length = 0;
    await assert.rejects(ingestFiles(new ServiceClient(srv.url), [file], { progress: false, collection: 'Nowhere' }), /404: No collection "Nowhere"/);
    assert.deepEqual(srv.services.uploadCollections, []);
  });
});
