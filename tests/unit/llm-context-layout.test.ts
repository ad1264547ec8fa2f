/** How the chat model lays out contexts and picks a sequence (no model needed). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseSequence, planContexts } from '../../src/llm/context-layout.ts';
import { LeasePool } from '../../src/llm/lease-pool.ts';

void describe('planContexts', () => {
  void it('gives one context per thread, at most one per sequence', () => {
    assert.deepEqual(planContexts(2, 4, 0), [
      { threads: 1, sequences: 2 },
      { threads: 1, sequences: 2 },
    ]);
    assert.deepEqual(planContexts(4, 2, 0), [
      { threads: 2, sequences: 1 },
      { threads: 2, sequences: 1 },
    ]);
    assert.deepEqual(planContexts(2, 1, 0), [{ threads: 2, sequences: 1 }]);
  });

  void it('honours an explicit count and spreads remainders over the first contexts', () => {
    assert.deepEqual(planContexts(2, 4, 1), [{ threads: 2, sequences: 4 }]);
    assert.deepEqual(planContexts(3, 5, 2), [
      { threads: 2, sequences: 3 },
      { threads: 1, sequences: 2 },
    ]);
  });

  void it('never plans a context without a thread or a sequence', () => {
    for (const [t, s, c] of [[1, 8, 8], [8, 1, 8], [0, 0, 0], [16, 16, 3]] as const) {
      const plan = planContexts(t, s, c);
      assert.ok(plan.length >= 1);
      for (const p of plan) assert.ok(p.threads >= 1 && p.sequences >= 1, JSON.stringify({ t, s, c, plan }));
      assert.equal(plan.reduce((n, p) => n + p.sequences, 0), Math.max(1, s));
      assert.equal(plan.reduce((n, p) => n + p.threads, 0), Math.max(1, t));
    }
  });
});

void describe('LeasePool pick', () => {
  void it('hands out the free item the pick chooses, and a released item goes to the longest waiter', async () => {
    const pool = new LeasePool(['a1', 'a2', 'b1', 'b2']);
    // Prefer the group with the most free items (the chat model's "least busy context").
    const pick = (free: readonly string[]) => {
      const freeIn = (g: string) => free.filter((x) => x.startsWith(g)).length;
      const group = freeIn('a') >= freeIn('b') ? 'a' : 'b';
      return free.findIndex((x) => x.startsWith(group));
    };
    const first = await pool.acquire(undefined, pick);
    const second = await pool.acquire(undefined, pick);
    assert.notEqual(first[0], second[0], `two callers land in different groups (${first}, ${second})`);
    await pool.acquire(undefined, pick);
    await pool.acquire(undefined, pick);
    assert.equal(pool.available, 0);
    const waiting = pool.acquire(undefined, pick);
    pool.release(second);
    assert.equal(await waiting, second);
  });
});

void describe('chooseSequence', () => {
  const sys = [1, 2, 3, 4];
  void it('prefers the least busy context, then the longest cached start of the prompt', () => {
    // Two contexts of two sequences; context 0 has one in use (only one of its sequences is free).
    const free = [
      { context: 0, cached: [...sys, 9, 9] }, // shares the whole prompt, but its context is busier
      { context: 1, cached: [] },
      { context: 1, cached: [...sys, 7] },
    ];
    assert.equal(chooseSequence([2, 2], free, [...sys, 9, 9, 5]), 2, 'the idle context, and there the one holding the system prompt');
  });

  void it('a follow-up lands where its conversation is cached', () => {
    const free = [
      { context: 0, cached: [...sys, 10, 11] },
      { context: 0, cached: [...sys, 20, 21, 22] },
    ];
    assert.equal(chooseSequence([2], free, [...sys, 20, 21, 22, 23]), 1);
    assert.equal(chooseSequence([2], free, [...sys, 10, 11, 12]), 0);
    assert.equal(chooseSequence([2], [{ context: 0, cached: [] }], [5]), 0);
  });
});
