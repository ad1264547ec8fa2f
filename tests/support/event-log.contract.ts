/**
 * The EventLog contract: every adapter (in-process, Kafka) runs these tests (src/ports/event-log.ts).
 * Each test gets a random prefix for topics and groups, so runs on a shared broker stay apart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOPICS } from '../../src/contracts/names.ts';
import { UnavailableError } from '../../src/errors.ts';
import type { EventLog, LogRecord } from '../../src/ports/event-log.ts';
import { delay, uniquePrefix, waitFor } from './message-bus.contract.ts';

export type MakeLog = (opts: { prefix: string }) => Promise<EventLog>;

interface Seq {
  key: string;
  seq: number;
}

const parse = (r: LogRecord): Seq => JSON.parse(r.value) as Seq;

export function eventLogContract(name: string, makeLog: MakeLog, timeoutMs = 5000): void {
  const withLog = async (fn: (log: EventLog) => Promise<void>): Promise<void> => {
    const log = await makeLog({ prefix: uniquePrefix() });
    try {
      await fn(log);
    } finally {
      await log.close();
    }
  };
  const T = TOPICS.qa;

  void describe(`EventLog contract: ${name}`, () => {
    void it('hands records over in key order, with topic, key and JSON value', () =>
      withLog(async (log) => {
        const keys = ['chat-a', 'chat-b', 'chat-c', 'chat-d'];
        const sends: Array<Promise<void>> = [];
        for (let seq = 0; seq < 10; seq++) for (const key of keys) sends.push(log.produce(T, key, { key, seq }));
        await Promise.all(sends);
        const got: LogRecord[] = [];
        await log.consume({ group: 'order', topics: [T] }, (r) => Promise.resolve(void got.push(r)));
        await waitFor('40 records', () => got.length >= 40, timeoutMs);
        for (const r of got) {
          assert.equal(r.topic, T);
          assert.equal(r.key, parse(r).key);
          assert.match(r.offset, /^\d+$/);
        }
        for (const key of keys) {
          const seqs = got.map(parse).filter((v) => v.key === key).map((v) => v.seq);
          assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `order of ${key}`);
        }
      }));

    void it('shares partitions between the members of a consumer group', () =>
      withLog(async (log) => {
        const byMember: Record<'a' | 'b', Set<string>> = { a: new Set(), b: new Set() };
        await log.consume({ group: 'share', topics: [T] }, (r) => Promise.resolve(void byMember.a.add(parse(r).key)));
        await log.consume({ group: 'share', topics: [T] }, (r) => Promise.resolve(void byMember.b.add(parse(r).key)));
        // Keep producing on many keys until both members have work: a broker needs time to rebalance.
        const produced = new Set<string>();
        for (let round = 0; byMember.a.size === 0 || byMember.b.size === 0; round++) {
          if (round * 300 > timeoutMs) assert.fail(`members never both got records: a=${byMember.a.size} b=${byMember.b.size}`);
          for (let k = 0; k < 12; k++) {
            const key = `k${round}-${k}`;
            produced.add(key);
            await log.produce(T, key, { key, seq: 0 });
          }
          await delay(300);
        }
        await waitFor('every record handled', () => [...produced].every((k) => byMember.a.has(k) || byMember.b.has(k)), timeoutMs);
      }));

    void it('commits after the handler: a restarted consumer continues after the last handled record', () =>
      withLog(async (log) => {
        const first: number[] = [];
        for (let seq = 0; seq < 5; seq++) await log.produce(T, 'one-key', { key: 'one-key', seq });
        const sub = await log.consume({ group: 'restart', topics: [T] }, (r) => Promise.resolve(void first.push(parse(r).seq)));
        await waitFor('the first 5 records', () => first.length === 5, timeoutMs);
        await sub.cancel();
        for (let seq = 5; seq < 10; seq++) await log.produce(T, 'one-key', { key: 'one-key', seq });
        const second: number[] = [];
        await log.consume({ group: 'restart', topics: [T] }, (r) => Promise.resolve(void second.push(parse(r).seq)));
        await waitFor('the next 5 records', () => second.length >= 5, timeoutMs);
        await delay(200);
        assert.deepEqual(first, [0, 1, 2, 3, 4]);
        assert.deepEqual(second, [5, 6, 7, 8, 9]);
      }));

    void it('hands a record over again when the handler throws, before the next one', () =>
      withLog(async (log) => {
        const seen: number[] = [];
        let failed = false;
        await log.consume({ group: 'retry', topics: [T] }, async (r) => {
          await delay(1);
          const { seq } = parse(r);
          seen.push(seq);
          if (seq === 0 && !failed) {
            failed = true;
            throw new Error('store busy');
          }
        });
        await log.produce(T, 'k', { key: 'k', seq: 0 });
        await log.produce(T, 'k', { key: 'k', seq: 1 });
        await waitFor('both records handled', () => seen.includes(1), timeoutMs);
        assert.deepEqual(seen, [0, 0, 1]);
      }));

    void it('close is idempotent and refuses later records', async () => {
      const log = await makeLog({ prefix: uniquePrefix() });
      await log.produce(T, 'k', { key: 'k', seq: 0 });
      assert.equal(log.health(), 'ok', 'healthy while open and reachable');
      await log.close();
      await log.close();
      assert.equal(log.health(), 'closed');
      await assert.rejects(log.produce(T, 'k', { key: 'k', seq: 1 }), UnavailableError);
    });
  });
}
