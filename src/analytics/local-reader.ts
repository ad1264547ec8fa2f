/**
 * The web's analytics reader in the all-in-one process: reads the store directly.
 * (The separate-process variant is ./http-reader.ts.)
 */
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';
import type { AnalyticsQualityData, QualityQuery } from '../contracts/analytics-quality.ts';
import type { AnalyticsReader } from '../ports/analytics-reader.ts';
import type { AnalyticsStore } from './store.ts';

export function createLocalAnalyticsReader(store: Pick<AnalyticsStore, 'summary' | 'answer' | 'answers' | 'answerPages' | 'quality'>): AnalyticsReader {
  return {
    exportAnswers: (range: AnalyticsRange, collection?: string): AsyncIterable<AnalyticsAnswerRow[]> => pagesOf(() => store.answerPages(range, undefined, undefined, collection)),
    summary: (range: AnalyticsRange, collection?: string): Promise<AnalyticsSummary> => settle(() => store.summary(range, undefined, collection)),
    answer: (answerId: string): Promise<AnalyticsAnswer | undefined> => settle(() => store.answer(answerId)),
    answers: (range: AnalyticsRange, limit: number, collection?: string): Promise<AnalyticsAnswerRow[]> => settle(() => store.answers(range, limit, undefined, collection)),
    quality: (range: AnalyticsRange, query: QualityQuery, collection?: string): Promise<AnalyticsQualityData> => settle(() => store.quality(range, query, undefined, collection)),
  };
}

/**
 * The store's synchronous pages as an async iterable, yielding to the event loop between pages so a
 * long export never holds up other requests or the consumer sharing the connection.
 */
async function* pagesOf(open: () => Iterable<AnalyticsAnswerRow[]>): AsyncGenerator<AnalyticsAnswerRow[], void, undefined> {
  for (const page of open()) {
    yield page;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** better-sqlite3 is synchronous; a rejected promise keeps the reader's contract for callers. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
