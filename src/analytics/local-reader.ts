/**
 * The web's analytics reader in the all-in-one process: reads the store directly.
 * (The separate-process variant is ./http-reader.ts.)
 */
import type { AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { AnalyticsReader } from '../web/services.ts';
import type { AnalyticsStore } from './store.ts';

export function createLocalAnalyticsReader(store: Pick<AnalyticsStore, 'summary'>): AnalyticsReader {
  return {
    summary(range: AnalyticsRange): Promise<AnalyticsSummary> {
      // better-sqlite3 is synchronous; a rejected promise keeps the reader's contract for callers.
      try {
        return Promise.resolve(store.summary(range));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}
