/** The options each llama.cpp context is created with (no model needed). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contextOptions } from '../../src/llm/context-options.ts';

const base = { contextSize: 4096, batchSize: 0, kvCacheType: 'f16' as const, threads: 2, contexts: 1 };

void describe('contextOptions', () => {
  void it('evaluates a whole prompt in one decode: the batch is the context size by default', () => {
    // node-llama-cpp's own default is 512, which split an 800-token prompt and cost 1.5x its prefill.
    assert.equal(contextOptions(base, { threads: 2, sequences: 1 }).batchSize, 4096);
    assert.equal(contextOptions({ ...base, batchSize: 256 }, { threads: 2, sequences: 1 }).batchSize, 256);
    assert.equal(contextOptions({ ...base, contextSize: 1024, batchSize: 8192 }, { threads: 2, sequences: 1 }).batchSize, 1024);
  });

  void it('keeps flash attention on for every KV cache type', () => {
    for (const kvCacheType of ['f16', 'q8_0', 'q4_0'] as const) {
      const o = contextOptions({ ...base, kvCacheType }, { threads: 2, sequences: 1 });
      assert.equal(o.flashAttention, true);
      assert.equal(o.experimentalKvCacheKeyType, kvCacheType.toUpperCase());
      assert.equal(o.experimentalKvCacheValueType, kvCacheType.toUpperCase());
    }
  });

  void it('lets a lone context use every thread and shared contexts keep their share', () => {
    assert.equal(contextOptions(base, { threads: 2, sequences: 4 }).threads, 2);
    assert.deepEqual(contextOptions({ ...base, contexts: 2 }, { threads: 1, sequences: 2 }).threads, { ideal: 2, min: 1 });
    assert.equal(contextOptions({ ...base, contexts: 2 }, { threads: 1, sequences: 2 }).sequences, 2);
  });
});
