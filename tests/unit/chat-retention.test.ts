/**
 * Chat retention (CHAT_RETENTION_DAYS): chats whose last question or answer is older than the
 * retention are deleted, recent ones (however old the chat) are kept; the sweep runs at start and
 * then hourly (mocked timers and an injected clock, no waiting); the setting parses to milliseconds
 * and is off by default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseConfig } from '../../src/config.ts';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import { RETENTION_SWEEP_MS, startChatRetention, sweepChats } from '../../src/chats/chat-retention.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** A chat started at `started` whose last turn was asked at `lastTurn` (none when undefined). */
function chat(store: SqliteChatStore, id: string, started: number, lastTurn?: number): void {
  store.create({ id, question: `question of ${id}`, settings: DEFAULT_SETTINGS }, started);
  if (lastTurn !== undefined) store.addTurn(id, { id: `${id}-t`, answerId: `${id}-a`, question: 'later', settings: DEFAULT_SETTINGS }, lastTurn);
}

void test('a sweep deletes chats last active before the retention and keeps the others', () => {
  const store = new SqliteChatStore(':memory:');
  const now = T0 + 100 * DAY;
  chat(store, 'old', T0);
  chat(store, 'old-but-continued', T0, now - 2 * DAY);
  chat(store, 'recent', now - 29 * DAY);
  chat(store, 'just-past', now - 30 * DAY - 1);
  assert.equal(sweepChats(store, 30 * DAY, now), 2);
  assert.deepEqual(store.list().map((c) => c.id).sort(), ['old-but-continued', 'recent']);
  assert.equal(store.findAnswer('old-but-continued-a')?.chatId, 'old-but-continued', 'its turns stay');
  store.close();
});

void test('the retention sweeps at start and then every hour, on the clock it is given', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const store = new SqliteChatStore(':memory:');
  const clock = { now: T0 + 10 * DAY };
  chat(store, 'a', T0); // 10 days old
  chat(store, 'b', T0 + 9 * DAY + 12 * 3_600_000); // 12 hours old
  const stop = startChatRetention(store, { retentionMs: DAY, logger: pino({ level: 'silent' }), now: () => clock.now });
  try {
    assert.deepEqual(store.list().map((c) => c.id), ['b'], 'swept at start');
    clock.now += 13 * 3_600_000; // b is now 25 hours old, but the next sweep is due only on the hour
    assert.deepEqual(store.list().map((c) => c.id), ['b']);
    t.mock.timers.tick(RETENTION_SWEEP_MS);
    assert.deepEqual(store.list().map((c) => c.id), [], 'swept an hour later');
  } finally {
    stop();
    store.close();
  }
});

void test('CHAT_RETENTION_DAYS: off by default, days to milliseconds, a bad value names the variable', () => {
  assert.equal(parseConfig({}).limits.chatRetentionMs, null);
  assert.equal(parseConfig({ CHAT_RETENTION_DAYS: 'off' }).limits.chatRetentionMs, null);
  assert.equal(parseConfig({ CHAT_RETENTION_DAYS: '30' }).limits.chatRetentionMs, 30 * DAY);
  assert.throws(() => parseConfig({ CHAT_RETENTION_DAYS: '0' }), /CHAT_RETENTION_DAYS/);
  assert.throws(() => parseConfig({ CHAT_RETENTION_DAYS: 'forever' }), /CHAT_RETENTION_DAYS/);
});
