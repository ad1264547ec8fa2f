/**
 * Shared fixtures of the analytics tests: a qa event and a vote event built from a few fields, the
 * neutral sentiment, a store opened for one test, an older store file migrated in place, the
 * analytics process serving a filled store, and the admin and member who use the web's analytics.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import Database from 'better-sqlite3';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { Accounts, type User } from '../../src/accounts/accounts.ts';
import { createAnalyticsHttpApp } from '../../src/analytics/http.ts';
import { SCHEMA_VERSION } from '../../src/analytics/schema.ts';
import { openAnalyticsStore, type AnalyticsStore, type QaSentiment } from '../../src/analytics/store.ts';
import { EVENT_VERSION, type QaEvent, type VoteEvent } from '../../src/contracts/analytics.ts';
import { DEFAULT_SETTINGS } from '../../src/contracts/settings.ts';
import { listen } from './http-app.ts';

/** A neutral question and answer (sentiment 0). */
export const NEUTRAL: QaSentiment = { question: { score: 0, comparative: 0 }, answer: { score: 0, comparative: 0 } };

/**
 * Qa event number `n` (event id `qa-n`, answer id `a-n`, chat `c-1`, "question n" / "answer n", no
 * sources, default settings, model `m` on worker `w`, small timings and token counts), at `over.at`;
 * every other field of `over` replaces the default.
 */
export function qaFixture(n: number, over: Partial<QaEvent> & Pick<QaEvent, 'at'>): QaEvent {
  return {
    v: EVENT_VERSION,
    eventId: `qa-${n}`,
    answerId: `a-${n}`,
    chatId: 'c-1',
    question: `question ${n}`,
    answer: `answer ${n}`,
    sources: [],
    settings: DEFAULT_SETTINGS,
    model: 'm',
    worker: 'w',
    timings: { queueWaitMs: 1, retrievalMs: 1, firstTokenMs: 1, generationMs: 100, totalMs: 100 },
    tokens: { prompt: 10, completion: 10 },
    ...over,
  };
}

/** A vote event; `userId` only when given. */
export function voteFixture(eventId: string, answerId: string, vote: 'up' | 'down', at: number, userId?: string): VoteEvent {
  return { v: EVENT_VERSION, eventId, answerId, vote, at, ...(userId ? { userId } : {}) };
}

/** Runs `fn` with a fresh in-memory store, closed afterwards. */
export function withMemoryStore(fn: (store: AnalyticsStore) => void): void {
  const store = openAnalyticsStore(':memory:');
  try {
    fn(store);
  } finally {
    store.close();
  }
}

export interface OlderStoreFile {
  /** The schema version the file is set back to. */
  version: number;
  /** What the current build writes into the file before it is set back. */
  seed: (store: AnalyticsStore) => void;
  /** SQL that undoes what that version did not have (dropped tables and columns). */
  downgradeSql: string;
}

/**
 * An older build's store file: written by this build (`seed`), set back to `version` by hand, then
 * opened again, which migrates it in place; checks the file is at the current schema version and
 * runs `fn` with the migrated store (and the file, for further checks). The file is removed after.
 */
export function withMigratedStore(older: OlderStoreFile, fn: (store: AnalyticsStore, file: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `docent-analytics-v${older.version}-`));
  const file = path.join(dir, 'analytics.db');
  try {
    const first = openAnalyticsStore(file);
    older.seed(first);
    first.close();
    const raw = new Database(file);
    raw.exec(older.downgradeSql);
    raw.pragma(`user_version = ${older.version}`);
    raw.close();
    const store = openAnalyticsStore(file);
    try {
      const check = new Database(file, { readonly: true });
      assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      check.close();
      fn(store, file);
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Inside a describe block: before its tests, an in-memory store filled by `fill` and the analytics
 * process (its HTTP app) serving it; both closed after. Read `store` and `base` inside the tests.
 */
export function servedAnalyticsStore(fill: (store: AnalyticsStore) => void): { readonly store: AnalyticsStore; readonly base: string } {
  let store: AnalyticsStore | undefined;
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  before(async () => {
    store = openAnalyticsStore(':memory:');
    fill(store);
    server = await listen(createAnalyticsHttpApp(store));
  });
  after(async () => {
    await server?.close();
    store?.close();
  });
  return {
    get store() {
      assert.ok(store, 'the store is opened before the tests');
      return store;
    },
    get base() {
      assert.ok(server, 'the analytics process is listening before the tests');
      return server.base;
    },
  };
}

/** The analytics readers of the web: Ada (admin) and bob (member), each with an API token; cheap scrypt. */
export async function analyticsUsers(): Promise<{ accounts: Accounts; ada: User; bob: User; adaToken: string; bobToken: string }> {
  const accounts = new Accounts(new AccountStore(':memory:'), { sessionIdleMs: 3_600_000, sessionMaxMs: 86_400_000, scrypt: { logN: 10, r: 8, p: 1 } });
  const ada = await accounts.addUser('Ada', 'admin', 'ada-password');
  const bob = await accounts.addUser('bob', 'member', 'bob-password');
  return { accounts, ada, bob, adaToken: accounts.createToken(ada.id, 't').token, bobToken: accounts.createToken(bob.id, 't').token };
}

/** A signed-in browser's cookie header (pages take sessions, not tokens). */
export async function signInCookie(base: string, name: string, password: string): Promise<{ headers: { cookie: string } }> {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, password, next: '/' }).toString(),
  });
  return { headers: { cookie: res.headers.getSetCookie().find((c) => c.startsWith('docent_auth='))!.split(';')[0]! } };
}
