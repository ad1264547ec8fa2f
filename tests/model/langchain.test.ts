/**
 * Docent from LangChain against `npm start` (every role in one process) with the small real test
 * models: a LangChain chain (RunnableSequence: DocentRetriever -> formatDocentSources ->
 * ChatPromptTemplate) retrieves from the service's index, each Document points back at its passage
 * (document, offsets, headings), and DocentEmbeddings in this process scores those passages as the
 * service's index does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { DocentEmbeddings, DocentRetriever, formatDocentSources } from 'docent/langchain';
import { startAllInOne, type AllInOne } from '../support/all-in-one.ts';
import { uploadText } from '../support/http-app.ts';
import { testModels } from '../support/test-models.ts';

const FERRY = [
  'The Zephyrine ferry crosses the bay four times a day.',
  'Its quartermaster keeps the spare oars in locker nine, below the wheelhouse.',
  'Passengers may bring bicycles but not motorbikes.',
].join('\n\n');
const GARDEN = '# Roses\n\nPrune the climbing roses in late winter, just above an outward bud.\n';

let service: AllInOne;
let base: string;
let embeddings: DocentEmbeddings;

async function waitReady(id: string): Promise<void> {
  const end = Date.now() + 120_000;
  let status = '';
  while (status !== 'ready' && Date.now() < end) {
    status = ((await (await fetch(`${base}/api/documents/${id}`)).json()) as { status: string }).status;
    if (status === 'failed') throw new Error(`document ${id} failed:\n${service.proc.output()}`);
    if (status !== 'ready') await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 'ready');
}

before(async () => {
  service = await startAllInOne('docent-langchain-');
  base = service.base;
  await waitReady((await uploadText(base, FERRY, 'ferry.txt')).id);
  await waitReady((await uploadText(base, GARDEN, 'garden.md')).id);
  embeddings = await DocentEmbeddings.fromModelDir(testModels().embed, { threads: 1 });
});

after(async () => {
  await embeddings?.close();
  await service?.stop();
});

void test('a LangChain chain retrieves from a running Docent and cites the passage it came from', async () => {
  const retriever = new DocentRetriever({ url: base, k: 2 });
  const prompt = ChatPromptTemplate.fromTemplate('Answer from the numbered sources and cite them as [n].\n\n{context}\n\nQuestion: {question}');
  const chain = RunnableSequence.from([
    { context: retriever.pipe(formatDocentSources), question: new RunnablePassthrough() },
    prompt,
  ]);
  const value = await chain.invoke('Where are the spare oars kept?');
  const text = value.toChatMessages()[0]?.content;
  assert.equal(typeof text, 'string');
  assert.match(text as string, /\[1\] ferry\.txt\n[^[]*spare oars in locker nine/);
  assert.match(text as string, /Question: Where are the spare oars kept\?$/);
});

void test('each Document names its passage: document, offsets into the text, headings, and the id', async () => {
  const [top] = await new DocentRetriever({ url: base, k: 1 }).invoke('When should climbing roses be pruned?');
  assert.ok(top);
  assert.equal(top.metadata.documentName, 'garden.md');
  assert.equal(top.metadata.source, 'garden.md');
  assert.equal(top.metadata.page, null);
  assert.equal(top.metadata.headingPath, 'Roses');
  assert.equal(top.id, top.metadata.chunkId);
  assert.match(top.metadata.chunkId ?? '', new RegExp(`^${top.metadata.documentId}`));
  const { start, end } = top.metadata;
  assert.ok(start !== null && end !== null && end > start);
  assert.match(top.pageContent, /Prune the climbing roses in late winter/);

  const [ferry] = await new DocentRetriever({ url: base, k: 1 }).invoke('Can I bring my bicycle on the ferry?');
  assert.ok(ferry && ferry.metadata.start !== null && ferry.metadata.end !== null);
  assert.equal(ferry.metadata.documentName, 'ferry.txt');
  assert.equal(FERRY.slice(ferry.metadata.start, ferry.metadata.end), ferry.pageContent, 'the offsets point at the passage in the text');
});

void test("DocentEmbeddings gives the vectors of the service's index: the same cosine scores", async () => {
  const question = 'Where are the spare oars kept?';
  const docs = await new DocentRetriever({ url: base, k: 2 }).invoke(question);
  assert.equal(docs.length, 2);
  const q = await embeddings.embedQuery(question);
  const vectors = await embeddings.embedDocuments(docs.map((d) => d.pageContent));
  assert.equal(embeddings.dimensions, q.length);
  docs.forEach((doc, i) => {
    const cosine = q.reduce((s, x, j) => s + x * (vectors[i]?.[j] ?? NaN), 0);
    assert.ok(Math.abs(cosine - (doc.metadata.similarity ?? NaN)) < 1e-3, `${doc.metadata.documentName}: ${cosine} here, ${doc.metadata.similarity} from the service`);
  });
});
