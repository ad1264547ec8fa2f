import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPrompt, NOT_FOUND_ANSWER } from '../../src/answer/prompt.ts';
import type { SearchHit } from '../../src/ports/vector-store.ts';

const hit = (i: number, words: number): SearchHit => ({
  chunkId: `d:${i}`,
  documentId: 'd',
  documentName: 'doc.pdf',
  page: i + 1,
  text: Array.from({ length: words }, (_, w) => `w${i}_${w}`).join(' '),
  start: 0,
  end: 1,
  score: 1 - i / 10,
});
const countWords = (t: string): number => t.split(/\s+/).filter(Boolean).length;

test('sources are numbered, cite their page, and the model is told how to refuse', () => {
  const p = buildPrompt({ question: 'What?', hits: [hit(0, 5), hit(1, 5)], contextSize: 4096, maxTokens: 100, countTokens: countWords });
  assert.equal(p.used.length, 2);
  const user = p.messages.at(-1)!.content;
  assert.match(user, /\[1\] \(doc\.pdf, page 1\)/);
  assert.match(user, /\[2\] \(doc\.pdf, page 2\)/);
  assert.match(user, /Question: What\?$/);
  assert.ok(p.messages[0]!.content.includes(NOT_FOUND_ANSWER));
});

test('sources are fitted to the context by token count, whole chunks only', () => {
  // budget: 400 - 100 - 64 - system - question: room for one 150-word chunk, not two
  const hits = [hit(0, 150), hit(1, 150), hit(2, 10)];
  const p = buildPrompt({ question: 'Q?', hits, contextSize: 420, maxTokens: 100, countTokens: countWords, systemPrompt: 'Answer.' });
  assert.deepEqual(p.used.map((h) => h.chunkId), ['d:0', 'd:2']);
  const user = p.messages.at(-1)!.content;
  assert.ok(user.includes(hits[0]!.text), 'the first chunk is whole');
  assert.ok(!user.includes('w1_0'), 'the chunk that does not fit is left out entirely');
  assert.match(user, /\[2\] \(doc\.pdf, page 3\)/, 'numbering follows what was used');
});

test('no sources: the prompt says so', () => {
  const p = buildPrompt({ question: 'Q?', hits: [], contextSize: 2048, maxTokens: 64, countTokens: countWords });
  assert.match(p.messages.at(-1)!.content, /Sources: \(none found\)/);
});
