/**
 * DocentRetriever against the real web app with fake services, over HTTP: passages become LangChain
 * Documents with Docent's source metadata, the service's 4xx message reaches the caller, and an
 * unreachable service is named. The model tier runs a chain over a real index
 * (tests/model/langchain.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseRetriever } from '@langchain/core/retrievers';
import { DocentRetriever, formatDocentSources } from 'docent/langchain';
import { FakeServices, startTestServer, type TestServer } from '../support/fake-services.ts';
import { freePort } from '../support/processes.ts';

let srv: TestServer;
const services = new FakeServices();
before(async () => {
  services.hits = [
    { chunkId: 'doc-1:0', documentId: 'doc-1', documentName: 'handbook.pdf', page: 2, text: 'The keeper feeds the cat at 6 pm.', start: 10, end: 43, score: 0.83, similarity: 0.8 },
    { chunkId: 'doc-2:4', documentId: 'doc-2', documentName: 'guide.md', page: null, text: 'Lamps are lit at dusk.', start: 0, end: 22, headingPath: 'Duties > Evening', score: 0.61 },
  ];
  srv = await startTestServer({}, services);
});
after(async () => {
  await srv.close();
});

void test('a LangChain retriever whose Documents carry the passage id, document, page, offsets, headings and score', async () => {
  const retriever = new DocentRetriever({ url: srv.url, k: 2 });
  assert.ok(retriever instanceof BaseRetriever);
  const docs = await retriever.invoke('when is the cat fed?');
  assert.deepEqual(
    docs.map((d) => ({ id: d.id, pageContent: d.pageContent, metadata: d.metadata })),
    [
      {
        id: 'doc-1:0',
        pageContent: 'The keeper feeds the cat at 6 pm.',
        metadata: { source: 'handbook.pdf', documentId: 'doc-1', documentName: 'handbook.pdf', page: 2, chunkId: 'doc-1:0', start: 10, end: 43, headingPath: null, score: 0.83, similarity: 0.8 },
      },
      {
        id: 'doc-2:4',
        pageContent: 'Lamps are lit at dusk.',
        metadata: { source: 'guide.md', documentId: 'doc-2', documentName: 'guide.md', page: null, chunkId: 'doc-2:4', start: 0, end: 22, headingPath: 'Duties > Evening', score: 0.61, similarity: null },
      },
    ],
  );
  assert.equal(
    formatDocentSources(docs),
    '[1] handbook.pdf, p. 2\nThe keeper feeds the cat at 6 pm.\n\n[2] guide.md (Duties > Evening)\nLamps are lit at dusk.',
  );
});

void test('k is sent to the service, and the service says what is wrong with a bad one', async () => {
  assert.equal((await new DocentRetriever({ url: `${srv.url}/`, k: 1 }).invoke('cat')).length, 1);
  await assert.rejects(new DocentRetriever({ url: srv.url, k: 21 }).invoke('cat'), /Docent's search answered 400: k must be a whole number between 1 and 20\./);
});

void test('a service that is not running is named, with how to start it', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  await assert.rejects(new DocentRetriever({ url }).invoke('cat'), (err: Error) => err.message.startsWith(`cannot reach Docent at ${url}/`) && /npm start/.test(err.message));
});
