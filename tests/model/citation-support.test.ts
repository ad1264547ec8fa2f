/**
 * The citation support rule with the real bge-small test embedder (`npm run models:test`): a
 * sentence citing the passage it comes from is supported, with that passage's right sentence as
 * the support range; the same sentence citing an unrelated passage is not; a paraphrase of the
 * right sentence and a terse answer ("France [1].") are supported; a claim the passage does not make (the wrong leader) is not.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkCitations } from '../../src/answer/citation-check.ts';
import type { Source } from '../../src/contracts/source.ts';
import { createOnnxEmbedder } from '../../src/llm/onnx-embedder.ts';
import type { Embedder } from '../../src/ports/embedder.ts';
import { FAKE_SOURCE } from '../support/fake-services.ts';
import { testModels } from '../support/test-models.ts';

const NORMANS =
  'The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France. ' +
  'They were descended from Norse raiders and pirates from Denmark, Iceland and Norway. ' +
  'Under their leader Rollo, they agreed to swear fealty to King Charles III of West Francia.';
const RAINFOREST =
  'The Amazon rainforest covers much of the Amazon basin of South America. ' +
  'The basin encompasses seven million square kilometres, of which five and a half million are covered by the rainforest.';

const sources: Source[] = [
  { ...FAKE_SOURCE, n: 1, chunkId: 'n:0', text: NORMANS },
  { ...FAKE_SOURCE, n: 2, chunkId: 'a:0', text: RAINFOREST },
];

let embedder: Embedder;
before(async () => {
  embedder = await createOnnxEmbedder(testModels().embed, { threads: 1 });
});
after(async () => {
  await embedder?.close();
});

const check = (answer: string) => checkCitations(answer, sources, (t) => embedder.embedDocuments(t));

void test('the right passage supports its sentence, with that sentence as the range; an unrelated one does not', async () => {
  const right = await check('The Normans came from Denmark, Iceland and Norway [1].');
  const n1 = right.sources[0]!;
  assert.deepEqual([n1.cited, n1.supported], [true, true], JSON.stringify(n1.support));
  assert.equal(NORMANS.slice(n1.support!.start, n1.support!.end), 'They were descended from Norse raiders and pirates from Denmark, Iceland and Norway.');
  assert.deepEqual([right.sources[1]?.cited, right.sources[1]?.supported], [false, null]);

  const wrong = await check('The Normans came from Denmark, Iceland and Norway [2].');
  assert.deepEqual([wrong.sources[1]?.cited, wrong.sources[1]?.supported], [true, false], JSON.stringify(wrong.sources[1]?.support));
  assert.ok(wrong.sources[1]!.support!.score < n1.support!.score);
});

void test('a paraphrase and a terse answer are supported; a claim the right passage does not make is not', async () => {
  const paraphrase = await check('Normandy, a French region, was named after the Normans [1].');
  assert.equal(paraphrase.sources[0]?.supported, true, JSON.stringify(paraphrase.sources[0]?.support));
  const terse = await check('France [1].');
  assert.equal(terse.sources[0]?.supported, true, JSON.stringify(terse.sources[0]?.support));
  const claim = await check('The Normans were led by King Harold of England [1].');
  assert.equal(claim.sources[0]?.supported, false, JSON.stringify(claim.sources[0]?.support));
});
