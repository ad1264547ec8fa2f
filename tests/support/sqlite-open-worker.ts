/**
 * A worker thread for the concurrent-open test of the SQLite stores (sqlite-open-race.test.ts):
 * waits for the start signal, then opens and closes the store of kind `kind` on each of `files`
 * in order (as web replicas sharing DATA_DIR do at start) and posts the error messages it met,
 * none when every open succeeded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AccountStore } from '../../src/accounts/account-store.ts';
import { openAnalyticsStore } from '../../src/analytics/store.ts';
import { SqliteChatStore } from '../../src/chats/chat-store.ts';
import { DocumentRegistry } from '../../src/documents/registry.ts';
import { RateLimitStore } from '../../src/rate-limits/rate-limit-store.ts';

export const OPENERS: Record<string, (file: string) => { close(): void }> = {
  analytics: openAnalyticsStore,
  accounts: (f) => new AccountStore(f),
  chats: (f) => new SqliteChatStore(f),
  documents: (f) => new DocumentRegistry(f),
  'rate limits': (f) => new RateLimitStore(f),
};

if (parentPort) {
  const { kind, files, start } = workerData as { kind: string; files: string[]; start: SharedArrayBuffer };
  Atomics.wait(new Int32Array(start), 0, 0);
  const errors: string[] = [];
  for (const file of files) {
    try {
      OPENERS[kind]!(file).close();
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  parentPort.postMessage(errors);
}
