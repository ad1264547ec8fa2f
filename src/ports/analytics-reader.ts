/**
 * The analytics read port: what the web's analytics pages show. src/analytics/local-reader.ts reads
 * the store in-process, src/analytics/http-reader.ts asks a separate analytics process over HTTP.
 * `collection` (an id, already resolved) restricts the numbers and rows to the answers asked over
 * that collection or citing it (src/analytics/answer-collections.ts); it may also be a user scope
 * (`user:<internal id>`, contracts/analytics-scope.ts): the answers that user asked. Absent: every answer.
 */
import type { AnalyticsQualityData, QualityQuery } from '../contracts/analytics-quality.ts';
import type { AnalyticsAnswer, AnalyticsAnswerRow, AnalyticsRange, AnalyticsSummary } from '../contracts/analytics-summary.ts';

export interface AnalyticsReader {
  summary(range: AnalyticsRange, collection?: string): Promise<AnalyticsSummary>;
  /** One answer with everything recorded about it; undefined when the store does not hold it. */
  answer(answerId: string): Promise<AnalyticsAnswer | undefined>;
  /** The newest answers of a range, at most `limit`. */
  answers(range: AnalyticsRange, limit: number, collection?: string): Promise<AnalyticsAnswerRow[]>;
  /**
   * Every answer of a range, newest first, in pages read as the consumer of the iterable asks for
   * them (the streamed CSV export: nothing is held beyond a page). Breaking out of the loop stops it.
   */
  exportAnswers(range: AnalyticsRange, collection?: string): AsyncIterable<AnalyticsAnswerRow[]>;
  /** Knowledge gaps, citations per document and down-voted answers (contracts/analytics-quality.ts). */
  quality(range: AnalyticsRange, query: QualityQuery, collection?: string): Promise<AnalyticsQualityData>;
}
