/**
 * Regenerate with feedback on the real SmolLM2-135M-Instruct (`npm run models:test`): the style
 * request reaches what the model reads through the real chat template, and costs what the prompt
 * builder counted for it with the same tokenizer (so the room kept for sources is right).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildPrompt, feedbackLine } from '../../src/answer/prompt.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { createLlamaChatModel } from '../../src/llm/llama-chat-model.ts';
import type { ChatModel } from '../../src/ports/chat-model.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';
import { testModels } from '../support/test-models.ts';

const HIT: SearchHit = {
  chunkId: 'd:0', documentId: 'd', documentName: 'guide.pdf', page: 2, start: 0, end: 10, score: 0.9,
  text: 'The lighthouse keeper Ilsabet feeds the cat at 6 pm every day, and on Sundays at 7 pm.',
};

void describe('regenerate with feedback (SmolLM2-135M-Instruct)', () => {
  let model: ChatModel;
  before(async () => {
    model = await createLlamaChatModel({ modelPath: testModels().chat, threads: 1, contextSize: 1024, sequences: 1 });
  });
  after(async () => {
    await model?.close();
  });

  void it('the request is read by the model, at the token cost the prompt builder counted', async () => {
    const read = async (feedback?: string) => {
      const p = buildPrompt({ question: 'When is the cat fed?', hits: [HIT], contextSize: model.contextSize, maxTokens: 4, countTokens: (t) => model.countTokens(t), feedback });
      assert.equal(p.used.length, 1, 'the passage still fits');
      const g = await model.generate(p.messages, { settings: { ...DEFAULT_SETTINGS, maxTokens: 4, seed: 1 } });
      return g.promptTokens;
    };
    const plain = await read();
    const asked = await read('in French');
    const counted = model.countTokens(feedbackLine('in French'));
    // Tokens merge differently at the seam between the question and the request: a couple either way.
    assert.ok(Math.abs(asked - plain - counted) <= 3, `plain ${plain}, with the request ${asked}, counted ${counted}`);
    assert.equal(await read('   '), plain, 'a blank request adds nothing');
  });
});
