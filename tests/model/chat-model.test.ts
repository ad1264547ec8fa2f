/** The node-llama-cpp chat model on the real SmolLM2-135M-Instruct test model (`npm run models:test`). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLlamaChatModel } from '../../src/llm/llama-chat-model.ts';
import type { ChatMessage, ChatModel } from '../../src/ports/chat-model.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../src/contracts/settings.ts';
import { testModels } from '../support/test-models.ts';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Write a few sentences about lighthouses.' },
];
const settings = (over: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...over });

void describe('llama chat model (SmolLM2-135M-Instruct)', () => {
  let model: ChatModel;
  before(async () => {
    model = await createLlamaChatModel({ modelPath: testModels().chat, threads: 1, contextSize: 1024, sequences: 2 });
  });
  after(async () => {
    await model?.close();
  });

  void it('streams text through onText and counts tokens', async () => {
    const pieces: string[] = [];
    const g = await model.generate(messages, { settings: settings({ maxTokens: 24, seed: 1 }), onText: (t) => pieces.push(t) });
    assert.ok(g.text.trim().length > 0, 'some text is generated');
    assert.ok(pieces.length > 1, `text arrives in pieces (${pieces.length})`);
    assert.equal(pieces.join(''), g.text);
    assert.ok(g.promptTokens > 10, `prompt tokens ${g.promptTokens}`);
    assert.ok(g.completionTokens > 0 && g.completionTokens <= 24);
    assert.ok(g.firstTokenMs > 0);
    assert.equal(model.countTokens(''), 0);
    assert.ok(model.countTokens('lighthouses guide ships') >= 3);
  });

  void it('stops at maxTokens', async () => {
    const g = await model.generate(messages, { settings: settings({ maxTokens: 5, seed: 2 }) });
    assert.ok(g.completionTokens <= 5, `${g.completionTokens} tokens`);
    assert.ok(model.countTokens(g.text) <= 6);
  });

  void it('gives the same text for the same seed and settings', async () => {
    const s = settings({ maxTokens: 30, temperature: 0.9, seed: 1234 });
    const a = await model.generate(messages, { settings: s });
    const b = await model.generate(messages, { settings: s });
    assert.equal(a.text, b.text);
  });

  void it('stops early on abort, frees the sequence, and the next calls work', async () => {
    const ac = new AbortController();
    let pieces = 0;
    const started = model.generate(messages, {
      settings: settings({ maxTokens: 400, seed: 3, temperature: 0.8 }),
      signal: ac.signal,
      onText: () => {
        if (++pieces === 3) ac.abort();
      },
    });
    await assert.rejects(started, (err: Error) => err.name === 'AbortError');
    assert.ok(pieces < 20, `stopped soon after the abort (${pieces} pieces)`);
    // Both sequences are free again: two more calls run at once.
    const [x, y] = await Promise.all([
      model.generate(messages, { settings: settings({ maxTokens: 8, seed: 4 }) }),
      model.generate(messages, { settings: settings({ maxTokens: 8, seed: 5 }) }),
    ]);
    assert.ok(x.text.length > 0 && y.text.length > 0);
  });

  void it('a caller waiting for a sequence can abort while it waits', async () => {
    const long = settings({ maxTokens: 40, seed: 6 });
    const busy = [model.generate(messages, { settings: long }), model.generate(messages, { settings: long })];
    const ac = new AbortController();
    const waiting = model.generate(messages, { settings: long, signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, (err: Error) => err.name === 'AbortError');
    await Promise.all(busy);
  });

  void it('runs two calls concurrently with two sequences, a third waits its turn', async () => {
    const s = settings({ maxTokens: 16, seed: 7 });
    const results = await Promise.all([1, 2, 3].map(() => model.generate(messages, { settings: s })));
    for (const g of results) assert.ok(g.text.length > 0);
    // Same seed and prompt on every sequence: same text, whichever sequence ran it.
    assert.equal(results[0]?.text, results[1]?.text);
    assert.equal(results[1]?.text, results[2]?.text);
  });

  void it('rejects a history that does not end with the user', async () => {
    await assert.rejects(model.generate([{ role: 'system', content: 'x' }], { settings: DEFAULT_SETTINGS }), /user/);
  });

  void it('with one context per thread, answers match the single context and run side by side', async () => {
    const spread = await createLlamaChatModel({ modelPath: testModels().chat, threads: 2, contextSize: 1024, sequences: 2 });
    try {
      const s = settings({ maxTokens: 16, seed: 7 });
      const alone = await model.generate(messages, { settings: s });
      const [a, b] = await Promise.all([spread.generate(messages, { settings: s }), spread.generate(messages, { settings: s })]);
      assert.equal(a.text, alone.text, 'the first context answers as the single context does');
      assert.equal(b.text, alone.text, 'so does the second');
    } finally {
      await spread.close();
    }
  });

  void it('fails with a message naming models:pull when the file is missing', async () => {
    await assert.rejects(
      createLlamaChatModel({ modelPath: '/nonexistent/model.gguf', threads: 1, contextSize: 512, sequences: 1 }),
      /npm run models:pull/,
    );
  });
});
