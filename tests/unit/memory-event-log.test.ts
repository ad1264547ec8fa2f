/** The in-process EventLog against the shared contract, plus its in-process specifics. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';
import { TOPICS } from '../../src/contracts/names.ts';
import type { LogRecord } from '../../src/ports/event-log.ts';
import { delay, waitFor } from '../support/message-bus.contract.ts';
import { eventLogContract } from '../support/event-log.contract.ts';

eventLogContract('memory', () => Promise.resolve(createMemoryEventLog({ retryBackoff: { initialMs: 5, maxMs: 20 } })));

void it('memory event log: a group that starts at the end skips older records', async () => {
  const log = createMemoryEventLog();
  await log.produce(TOPICS.votes, 'a', { n: 0 });
  const got: LogRecord[] = [];
  await log.consume({ group: 'late', topics: [TOPICS.votes], fromBeginning: false }, (r) => Promise.resolve(void got.push(r)));
  await log.produce(TOPICS.votes, 'a', { n: 1 });
  await waitFor('the new record', () => got.length === 1);
  await delay(50);
  assert.deepEqual(got.map((r) => JSON.parse(r.value) as unknown), [{ n: 1 }]);
  await log.close();
});

void it('memory event log: retention drops the oldest records and a group skips past them', async () => {
  const log = createMemoryEventLog({ partitions: 1, retainPerPartition: 3 });
  for (let n = 0; n < 5; n++) await log.produce(TOPICS.votes, 'a', { n });
  const got: number[] = [];
  await log.consume({ group: 'g', topics: [TOPICS.votes] }, (r) => Promise.resolve(void got.push((JSON.parse(r.value) as { n: number }).n)));
  await waitFor('the retained records', () => got.length === 3);
  assert.deepEqual(got, [2, 3, 4]);
  await log.close();
});

void it('memory event log: separate groups each see every record', async () => {
  const log = createMemoryEventLog();
  const a: string[] = [];
  const b: string[] = [];
  await log.consume({ group: 'a', topics: [TOPICS.qa] }, (r) => Promise.resolve(void a.push(r.offset)));
  await log.consume({ group: 'b', topics: [TOPICS.qa] }, (r) => Promise.resolve(void b.push(r.offset)));
  for (let n = 0; n < 4; n++) await log.produce(TOPICS.qa, 'k', { n });
  await waitFor('both groups', () => a.length === 4 && b.length === 4);
  await log.close();
});
