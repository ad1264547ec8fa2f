/**
 * Where the model-tier tests find their small real models: TEST_CHAT_MODEL / TEST_EMBED_MODEL, or
 * the cache `npm run models:test` fills ($DOCENT_TEST_MODELS, default ~/.cache/docent/test-models).
 * A missing model throws (the test fails): a model test that skips would pass without testing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestModels {
  /** Path of the chat GGUF (SmolLM2-135M-Instruct Q4_1). */
  chat: string;
  /** Directory of the ONNX embedder (model.onnx, tokenizer.json, docent-embedder.json). */
  embed: string;
}

export function testModelsCacheDir(): string {
  return process.env.DOCENT_TEST_MODELS ?? path.join(os.homedir(), '.cache', 'docent', 'test-models');
}

export function testModels(): TestModels {
  const cache = testModelsCacheDir();
  // The second name of each is where the script's fallback packages land (DESIGN.md section 5).
  const chat = process.env.TEST_CHAT_MODEL ?? firstExisting(path.join(cache, 'smollm2-135m-instruct.gguf'), path.join(cache, 'gemma-3-270m-q4_k_m.gguf'));
  const embed = process.env.TEST_EMBED_MODEL ?? firstExisting(path.join(cache, 'bge-small-en-v1.5-q'), path.join(cache, 'all-minilm-l6-v2-int8'), 'model.onnx');
  const missing = [chat, path.join(embed, 'model.onnx'), path.join(embed, 'tokenizer.json')].filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `test models missing: ${missing.join(', ')}. Run \`npm run models:test\` to fetch them ` +
        '(or point TEST_CHAT_MODEL / TEST_EMBED_MODEL at existing files).',
    );
  }
  return { chat, embed };
}

/** `preferred` unless only `fallback` holds the model (`inside`: a file to look for in a directory). */
function firstExisting(preferred: string, fallback: string, inside = ''): string {
  const has = (p: string) => fs.existsSync(path.join(p, inside));
  return !has(preferred) && has(fallback) ? fallback : preferred;
}
