import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCoalescer } from '../../src/answer/token-coalescer.ts';
import { AsyncQueue } from '../../src/shared/async-queue.ts';

test('AsyncQueue hands over pushed items in order and ends', async () => {
  const q = new AsyncQueue<number>();
  setTimeout(() => {
    q.push(1);
    q.push(2);
    q.end();
    q.push(3);
  }, 5);
  const seen: number[] = [];
  for await (const n of q) seen.push(n);
  assert.deepEqual(seen, [1, 2]);
});

test('AsyncQueue rejects the reader after fail and calls onReturn when the reader leaves early', async () => {
  const failing = new AsyncQueue<number>();
  failing.fail(new Error('boom'));
  await assert.rejects(async () => {
    for await (const _ of failing) void _;
  }, /boom/);
  let returned = 0;
  const q = new AsyncQueue<number>(() => returned++);
  q.push(1);
  for await (const _ of q) break;
  assert.equal(returned, 1);
});

test('TokenCoalescer sends the first piece at once, then batches small pieces and flushes the rest', async () => {
  const out: string[] = [];
  const c = new TokenCoalescer((t) => out.push(t), 20, 10);
  c.push('The');
  assert.deepEqual(out, ['The'], 'the first piece is not held back');
  for (const t of ['a', 'b', 'c']) c.push(t);
  assert.deepEqual(out, ['The'], 'later pieces wait for the interval');
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(out, ['The', 'abc']);
  c.push('0123456789AB');
  assert.deepEqual(out, ['The', 'abc', '0123456789AB'], 'a full buffer goes at once');
  c.push('z');
  c.flush();
  assert.deepEqual(out, ['The', 'abc', '0123456789AB', 'z']);
});
