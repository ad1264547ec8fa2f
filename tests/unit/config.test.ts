import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config.ts';

test('defaults give a complete, frozen config with in-process messaging', () => {
  const c = parseConfig({});
  assert.equal(c.web.port, 3000);
  assert.equal(c.amqp.url, undefined);
  assert.equal(c.kafka.brokers, undefined);
  assert.equal(c.web.maxUploadBytes, 50 * 1024 * 1024);
  assert.ok(c.models.threads >= 1);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.web));
  assert.equal(c.cli.serviceUrl, 'http://127.0.0.1:3000');
});

test('a bad value stops start-up with a message naming the variable', () => {
  assert.throws(() => parseConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => parseConfig({ LLM_SEQUENCES: '0' }), (e: unknown) => e instanceof ConfigError && /LLM_SEQUENCES/.test(e.message));
  assert.throws(() => parseConfig({ AMQP_URL: 'not a url' }), (e: unknown) => e instanceof ConfigError && /AMQP_URL/.test(e.message));
  assert.throws(() => parseConfig({ CHUNK_SIZE: '200', CHUNK_OVERLAP: '300' }), /CHUNK_OVERLAP/);
});

test('empty variables count as unset; broker lists are split', () => {
  const c = parseConfig({ AMQP_URL: '', KAFKA_BROKERS: 'a:9092, b:9092', LLM_THREADS: '2' });
  assert.equal(c.amqp.url, undefined);
  assert.deepEqual(c.kafka.brokers, ['a:9092', 'b:9092']);
  assert.equal(c.models.threads, 2);
});

test('the default models live in MODELS_DIR unless CHAT_MODEL / EMBED_MODEL name others', () => {
  const d = parseConfig({ MODELS_DIR: '/srv/models' });
  assert.equal(d.models.chat, '/srv/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf');
  assert.equal(d.models.embed, '/srv/models/bge-small-en-v1.5');
  assert.ok(d.models.chatIsDefault && d.models.embedIsDefault);
  const c = parseConfig({ MODELS_DIR: '/srv/models', CHAT_MODEL: '/x/other.gguf' });
  assert.equal(c.models.chat, '/x/other.gguf');
  assert.equal(c.models.chatIsDefault, false);
  assert.equal(c.models.embedIsDefault, true);
});

test('chat model layout: contexts, KV cache type, batch size and mmap', () => {
  const d = parseConfig({});
  assert.equal(d.models.contexts, 0);
  assert.equal(d.models.kvCacheType, 'f16');
  assert.equal(d.models.batchSize, 0);
  assert.equal(d.models.mmap, false);
  const c = parseConfig({ LLM_CONTEXTS: '1', LLM_KV_CACHE_TYPE: 'f16', LLM_MMAP: 'true', LLM_BATCH_SIZE: '256' });
  assert.deepEqual([c.models.contexts, c.models.kvCacheType, c.models.mmap, c.models.batchSize], [1, 'f16', true, 256]);
  assert.throws(() => parseConfig({ LLM_BATCH_SIZE: '-1' }), (e: unknown) => e instanceof ConfigError && /LLM_BATCH_SIZE/.test(e.message));
  assert.throws(() => parseConfig({ LLM_KV_CACHE_TYPE: 'q2' }), (e: unknown) => e instanceof ConfigError && /LLM_KV_CACHE_TYPE/.test(e.message));
  assert.throws(() => parseConfig({ LLM_MMAP: 'yes' }), (e: unknown) => e instanceof ConfigError && /LLM_MMAP/.test(e.message));
});

test('one retry policy for the work queues: 3 attempts, 500 ms doubling to 10 s, each settable', () => {
  assert.deepEqual(parseConfig({}).retry, { maxAttempts: 3, backoff: { initialMs: 500, maxMs: 10_000 } });
  const c = parseConfig({ RETRY_MAX_ATTEMPTS: '5', RETRY_BACKOFF_MS: '100', RETRY_BACKOFF_MAX_MS: '2000' });
  assert.deepEqual(c.retry, { maxAttempts: 5, backoff: { initialMs: 100, maxMs: 2000 } });
  assert.throws(() => parseConfig({ RETRY_MAX_ATTEMPTS: '0' }), (e: unknown) => e instanceof ConfigError && /RETRY_MAX_ATTEMPTS/.test(e.message));
  assert.throws(() => parseConfig({ RETRY_BACKOFF_MS: '5000', RETRY_BACKOFF_MAX_MS: '1000' }), (e: unknown) => e instanceof ConfigError && /RETRY_BACKOFF_MAX_MS/.test(e.message));
});

test('prompt compaction: merging, adaptive k (gap 0.1) and trimming on by default; each switchable; a bad gap names the variable', () => {
  assert.deepEqual({ ...parseConfig({}).prompt }, { mergeOverlaps: true, maxScoreGap: 0.1, trimSentences: true, injectionGuard: 'drop' });
  const on = parseConfig({ PROMPT_MAX_SCORE_GAP: '0.1', PROMPT_TRIM_SENTENCES: 'true' }).prompt;
  assert.deepEqual({ ...on }, { mergeOverlaps: true, maxScoreGap: 0.1, trimSentences: true, injectionGuard: 'drop' });
  const off = parseConfig({ PROMPT_MERGE_OVERLAPS: 'false', PROMPT_MAX_SCORE_GAP: 'off', PROMPT_TRIM_SENTENCES: 'false' }).prompt;
  assert.deepEqual({ ...off }, { mergeOverlaps: false, maxScoreGap: null, trimSentences: false, injectionGuard: 'drop' });
  assert.equal(parseConfig({ PROMPT_MAX_SCORE_GAP: '0.05' }).prompt.maxScoreGap, 0.05);
  assert.throws(() => parseConfig({ PROMPT_MAX_SCORE_GAP: 'wide' }), (e: unknown) => e instanceof ConfigError && /PROMPT_MAX_SCORE_GAP/.test(e.message));
  assert.equal(parseConfig({ PROMPT_INJECTION_GUARD: 'mark' }).prompt.injectionGuard, 'mark');
  assert.throws(() => parseConfig({ PROMPT_INJECTION_GUARD: 'on' }), (e: unknown) => e instanceof ConfigError && /PROMPT_INJECTION_GUARD/.test(e.message));
});

test('OCR: on with English by default; languages must be Tesseract codes joined with "+"; limits have ranges', () => {
  assert.deepEqual({ ...parseConfig({}).ocr }, { enabled: true, languages: 'eng', maxPixels: 100_000_000, maxPages: 500, pageTimeoutMs: 60_000 });
  const c = parseConfig({ OCR: 'off', OCR_LANGUAGES: 'eng+deu', OCR_MAX_PIXELS: '20000000', OCR_MAX_PAGES: '50', OCR_PAGE_TIMEOUT_MS: '5000' }).ocr;
  assert.deepEqual({ ...c }, { enabled: false, languages: 'eng+deu', maxPixels: 20_000_000, maxPages: 50, pageTimeoutMs: 5000 });
  assert.throws(() => parseConfig({ OCR_LANGUAGES: 'eng, deu' }), (e: unknown) => e instanceof ConfigError && /OCR_LANGUAGES: must be Tesseract language codes/.test(e.message));
  assert.throws(() => parseConfig({ OCR_LANGUAGES: '../../etc' }), (e: unknown) => e instanceof ConfigError && /OCR_LANGUAGES/.test(e.message));
  assert.throws(() => parseConfig({ OCR: 'yes' }), (e: unknown) => e instanceof ConfigError && /OCR/.test(e.message));
  assert.throws(() => parseConfig({ OCR_MAX_PAGES: '0' }), (e: unknown) => e instanceof ConfigError && /OCR_MAX_PAGES/.test(e.message));
});
