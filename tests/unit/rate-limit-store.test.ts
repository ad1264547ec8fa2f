/**
 * The shared rate-limit store (src/rate-limits/rate-limit-store.ts): two stores opened on one file,
 * as two web processes do, count against one allowance (windows and sign-in failures); windows
 * slide on an injected clock, so no span of a window holds more than the limit, and a refusal's
 * wait is exactly when a take is allowed again; old rows are pruned; and four threads taking at
 * once from their own connections never take more than the limit between them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { LoginThrottle } from '../../src/accounts/login-throttle.ts';
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.ts';

/** The worker is TypeScript: registers tsx in the thread, then loads it (as src/sources/article-extractor.ts does). */
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.resolve('../support/rate-limit-worker.ts'))}); })`;

let dir: string;
const open: RateLimitStore[] = [];
const store = (name: string): RateLimitStore => {
  const s = new RateLimitStore(path.join(dir, name));
  open.push(s);
  return s;
};

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'docent-rates-'));
});
after(async () => {
  for (const s of open) s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const perMinute = (key: string, limit: number) => [{ key, limit, windowMs: 60_000 }];

void test('two stores on one file share the count; a refusal counts nothing and says when the window ends', () => {
  const a = store('shared.db');
  const b = store('shared.db');
  const t = 1_000_000;
  assert.ok(a.take(perMinute('k', 3), t).ok);
  assert.ok(b.take(perMinute('k', 3), t + 1_000).ok);
  assert.ok(a.take(perMinute('k', 3), t + 2_000).ok);
  const refused = b.take(perMinute('k', 3), t + 10_000);
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.retryAfterMs, 50_000, 'the window started at the first take');
  assert.equal(a.take(perMinute('k', 3), t + 20_000).ok, false, 'the refusal was not counted, but the window is still full');
  assert.ok(a.take(perMinute('other', 3), t).ok, 'another key has its own count');
});

void test('a window ends on the clock and starts again at the next take', () => {
  const s = store('expiry.db');
  const t = 5_000_000;
  assert.ok(s.take(perMinute('k', 2), t).ok);
  assert.ok(s.take(perMinute('k', 2), t).ok);
  assert.equal(s.take(perMinute('k', 2), t + 59_999).ok, false);
  assert.ok(s.take(perMinute('k', 2), t + 60_000).ok, 'a new window');
  assert.ok(s.take(perMinute('k', 2), t + 60_001).ok);
  const r = s.take(perMinute('k', 2), t + 61_000);
  assert.equal(!r.ok && r.retryAfterMs, 59_000);
});

void test('a burst at the end of one window and the start of the next is held to the allowance', () => {
  const s = store('burst.db');
  const t = 7_000_000;
  assert.ok(s.take(perMinute('k', 3), t).ok);
  assert.ok(s.take(perMinute('k', 3), t + 59_000).ok);
  assert.ok(s.take(perMinute('k', 3), t + 59_500).ok);
  assert.equal(s.take(perMinute('k', 3), t + 59_900).ok, false);
  // A minute after the first take only that one has left: one more, not a fresh allowance of three.
  assert.ok(s.take(perMinute('k', 3), t + 60_000).ok);
  const r = s.take(perMinute('k', 3), t + 60_500);
  assert.equal(r.ok, false, 'four in 1.5 seconds would be past 3 per minute');
  assert.equal(!r.ok && r.retryAfterMs, 58_500, 'until the take at +59 s leaves the minute');
  assert.equal(s.take(perMinute('k', 3), t + 118_999).ok, false);
  assert.ok(s.take(perMinute('k', 3), t + 119_000).ok);
});

void test('sliding: over a long irregular run, a take is allowed exactly when the last minute holds fewer than the limit, and a refusal waits exactly until then', () => {
  const s = store('sliding.db');
  const limit = 5;
  const windowMs = 60_000;
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const allowed: number[] = [];
  let t = 50_000_000;
  let refusals = 0;
  for (let i = 0; i < 400; i++) {
    // Bursts and pauses: mostly a few hundred ms apart, now and then most of a minute.
    t += next() < 0.1 ? Math.floor(next() * 50_000) : Math.floor(next() * 2_000);
    const inWindow = allowed.filter((a) => a > t - windowMs).length;
    const r = s.take(perMinute('k', limit), t);
    assert.equal(r.ok, inWindow < limit, `take ${i} at +${t - 50_000_000} ms with ${inWindow} in the last minute`);
    if (r.ok) {
      allowed.push(t);
      continue;
    }
    refusals++;
    // The oldest take that has to leave for one more to fit: the (inWindow - limit + 1)th in the window.
    const leaving = allowed.filter((a) => a > t - windowMs)[inWindow - limit]!;
    assert.equal(r.retryAfterMs, leaving + windowMs - t, `take ${i}: Retry-After`);
    if (next() < 0.3) {
      assert.equal(s.take(perMinute('k', limit), t + r.retryAfterMs - 1).ok, false, 'a millisecond early is still refused');
      t += r.retryAfterMs;
      assert.ok(s.take(perMinute('k', limit), t).ok, 'allowed once the wait is over');
      allowed.push(t);
    }
  }
  assert.ok(refusals > 20 && allowed.length > 100, `the run exercised both: ${allowed.length} allowed, ${refusals} refused`);
  for (const a of allowed) assert.ok(allowed.filter((b) => b > a - windowMs && b <= a).length <= limit, `no minute ending at +${a - 50_000_000} ms holds more than ${limit}`);
});

void test('several checks: all or nothing, the longest wait reported; 0 is no limit; charge adds without refusing', () => {
  const s = store('multi.db');
  const t = 9_000_000;
  const checks = [
    { key: 'user', limit: 2, windowMs: 60_000 },
    { key: 'address', limit: 3, windowMs: 3_600_000 },
    { key: 'none', limit: 0, windowMs: 60_000 },
  ];
  assert.ok(s.take(checks, t).ok);
  assert.ok(s.take(checks, t).ok);
  const byUser = s.take(checks, t + 1_000);
  assert.equal(!byUser.ok && byUser.refusedBy.key, 'user');
  assert.ok(s.take([checks[1]!], t + 1_000).ok, 'the refused take did not count against the address');
  const both = s.take(checks, t + 2_000);
  assert.equal(!both.ok && both.refusedBy.key, 'address', 'the longer wait wins');
  assert.equal(!both.ok && both.retryAfterMs, 3_600_000 - 2_000);
  s.charge([{ key: 'c', limit: 5, windowMs: 60_000 }], t, 7);
  assert.equal(s.take(perMinute('c', 5), t + 1).ok, false, 'charged past the limit');
  assert.ok(s.take(perMinute('c', 5), t + 60_000).ok, 'the charge ended with its window');
});

void test('old windows and forgotten failures are pruned', () => {
  const s = store('prune.db');
  const t = 20_000_000;
  for (let i = 0; i < 50; i++) s.take(perMinute(`k${i}`, 5), t);
  s.addFailure(['f'], t, 3_600_000);
  assert.equal(s.prune(t + 59_999), 0);
  assert.equal(s.prune(t + 60_000), 50);
  assert.equal(s.failureCounts(['f'], t + 60_000).get('f')?.failures, 1);
  assert.equal(s.prune(t + 3_600_000), 1);
});

void test('pruning part of a key\'s hits keeps its count right', () => {
  const s = store('prune-part.db');
  const t = 25_000_000;
  assert.ok(s.take(perMinute('k', 2), t).ok);
  assert.ok(s.take(perMinute('k', 2), t + 30_000).ok);
  assert.equal(s.prune(t + 60_000), 1, 'the first hit left the minute');
  assert.ok(s.take(perMinute('k', 2), t + 60_000).ok, 'one left in the minute: one more fits');
  assert.equal(s.take(perMinute('k', 2), t + 60_001).ok, false);
  assert.equal(s.prune(t + 200_000), 2);
  assert.ok(s.take(perMinute('k', 2), t + 200_000).ok);
  assert.ok(s.take(perMinute('k', 2), t + 200_000).ok);
  assert.equal(s.take(perMinute('k', 2), t + 200_000).ok, false);
});

void test('a check costs the same however many hits its key holds (a flood of refused requests stays cheap)', () => {
  const key = 'upload-address\u0000x';
  /** A store whose key holds `hits` hits, its limit spent. */
  const full = (hits: number) => {
    const s = new RateLimitStore(':memory:');
    open.push(s);
    const c = [{ key, limit: hits, windowMs: 3_600_000 }];
    for (let i = 0; i < hits; i++) assert.ok(s.take(c, 1_000_000 + i).ok);
    /** Microseconds per refused take, over 200. */
    return () => {
      const start = performance.now();
      for (let i = 0; i < 200; i++) assert.equal(s.take(c, 1_000_000 + hits).ok, false);
      return ((performance.now() - start) / 200) * 1000;
    };
  };
  const [small, large] = [full(500), full(8_000)];
  // Rounds alternate so a busy moment of the machine falls on both; the fastest of each counts.
  let [a, b] = [Infinity, Infinity];
  for (let r = 0; r < 9; r++) {
    a = Math.min(a, small());
    b = Math.min(b, large());
  }
  assert.ok(b / a < 4, `refused take: ${a.toFixed(1)} us with 500 hits, ${b.toFixed(1)} us with 8000 (x${(b / a).toFixed(2)}; reading the log would be about x16)`);
});

void test('the sign-in throttle counts in the shared store: failures spread over two processes lock the account', () => {
  const clock = { t: 40_000_000 };
  const web1 = new LoginThrottle(() => clock.t, store('login.db'));
  const web2 = new LoginThrottle(() => clock.t, store('login.db'));
  for (let i = 0; i < 3; i++) web1.failed('ada', '10.0.0.1');
  for (let i = 0; i < 2; i++) web2.failed('ada', '10.0.0.1');
  assert.equal(web1.retryAfterMs('ada', '10.0.0.1'), 30_000, '5 failures (3 + 2): locked on both');
  assert.equal(web2.retryAfterMs('ada', '10.0.0.1'), 30_000);
  assert.equal(web2.retryAfterMs('ada', '10.0.0.2'), 0, 'the owner elsewhere is not locked');
  clock.t += 30_000;
  assert.equal(web2.retryAfterMs('ada', '10.0.0.1'), 0, 'the lock ends');
  web2.failed('ada', '10.0.0.1');
  assert.equal(web1.retryAfterMs('ada', '10.0.0.1'), 60_000, 'doubling');
  web1.succeeded('ada', '10.0.0.1');
  assert.equal(web2.retryAfterMs('ada', '10.0.0.1'), 0, 'a sign-in clears the account keys');
  for (let i = 0; i < 20; i++) web1.failed(`user${i}`, '10.0.0.9');
  assert.equal(web2.retryAfterMs('someone-else', '10.0.0.9'), 30_000, 'the address allowance (20) is shared too');
  clock.t += 24 * 3_600_000 + 1;
  assert.equal(web2.retryAfterMs('someone-else', '10.0.0.9'), 0, 'forgotten after 24 h');
});

void test('four threads taking at once through their own connections take exactly the limit between them', async () => {
  const file = path.join(dir, 'race.db');
  store('race.db'); // creates the tables before the threads open the file
  const start = new SharedArrayBuffer(4);
  const limit = 3000;
  const workers = Array.from({ length: 4 }, () => new Worker(BOOT, { eval: true, workerData: { file, tries: 1000, limit, start } }));
  const results = workers.map((w) => new Promise<number>((resolve, reject) => {
    w.once('message', (n: number) => resolve(n));
    w.once('error', reject);
  }));
  await new Promise((r) => setTimeout(r, 500)); // every thread opened its store and waits
  Atomics.store(new Int32Array(start), 0, 1);
  Atomics.notify(new Int32Array(start), 0);
  const allowed = await Promise.all(results);
  assert.equal(allowed.reduce((a, b) => a + b, 0), limit, `allowed per thread: ${allowed.join(', ')}`);
  assert.ok(allowed.filter((n) => n > 0).length >= 2, `the threads did overlap: ${allowed.join(', ')}`);
});
